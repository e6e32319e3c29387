package dev.callgate.call;

import dev.callgate.call.flow.Prompts;

import dev.callgate.support.Reports;
import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** Business-initiated calls end to end: command on Kafka → state machine → media → Cloud API simulator → events. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class BusinessCallTest {

    static final String PNID = Webhooks.PHONE_NUMBER_ID;

    @Inject
    MediaWorkerPool media;
    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    @Test
    void answeredCallCarriesAudioBothWaysAndEndsCompleted() throws Exception {
        String user = Webhooks.newUser();
        String callRef = "order-" + UUID.randomUUID();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "hangUpAfterMs", 3000, "toneHz", 660.0);
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, PNID, user,
                    "{\"tone\":1000,\"record\":true}"));

            List<ConsumerRecord<String, String>> accepted = events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.accepted"), 1);
            String callId = CloudEvents.data(accepted.get(0)).path("whatsappCallId").asText();
            assertThat(callId).as(accepted.get(0).value()).startsWith("wacid.");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(media.report(callRef).orElseThrow().received().dominantHz()).isCloseTo(660, within(15.0));
                assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                        .isCloseTo(1000, within(15.0));
            });
            // the REST view shows the live media of a call this instance holds
            io.restassured.path.json.JsonPath view = given().get("/v1/calls/" + callRef).then().statusCode(200)
                    .extract().jsonPath();
            assertThat(view.getString("media.peerConnection")).isEqualTo("CONNECTED");
            assertThat(Reports.number(view, "media.receivedDominantHz")).isCloseTo(660, within(15.0));
            assertThat(Reports.count(view, "media.framesSent")).isPositive();
            assertThat(view.getString("mediaOwner")).isNotBlank();

            List<ConsumerRecord<String, String>> all = events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1);
            List<String> types = CloudEvents.callTypes(events.matching(r -> callRef.equals(r.key())));
            assertThat(types).containsSubsequence("ringing", "accepted", "ended");
            assertThat(types).containsOnlyOnce("ringing", "accepted", "ended");
            JsonNode ended = CloudEvents.data(all.get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(ended.path("durationSeconds").asLong()).isBetween(2L, 4L);
            // the user, called by number, is named by both ids once Meta's webhooks gave the BSUID
            assertThat(ended.path("to").asText()).isEqualTo(user);
            assertThat(ended.path("recipient").asText()).startsWith("US.");
            // Meta's own record of the call (what it bills) beside Callgate's times
            assertThat(ended.path("meta").path("status").asText()).isEqualTo("COMPLETED");
            assertThat(ended.path("meta").path("durationSeconds").asLong()).isBetween(2L, 4L);
            java.time.Instant metaStart = java.time.Instant.parse(ended.path("meta").path("startTime").asText());
            java.time.Instant metaEnd = java.time.Instant.parse(ended.path("meta").path("endTime").asText());
            assertThat(Duration.between(metaStart, metaEnd).toSeconds()).isBetween(2L, 4L);
            assertThat(ended.path("startedAt").asText()).isNotBlank();
            assertThat(ended.path("endedAt").asText()).isNotBlank();
            assertThat(CloudEvents.event(all.get(0)).path("specversion").asText()).isEqualTo("1.0");
            // the recording holds what the user's phone sent; events name where to fetch it, never a server path
            assertThat(ended.path("recording").asText()).isEqualTo("/v1/calls/" + callRef + "/recording");
            await().atMost(Duration.ofSeconds(5)).until(() -> given().get(ended.path("recording").asText()).then()
                    .extract().asByteArray().length > 48_000);
            byte[] wav = given().get(ended.path("recording").asText()).then().statusCode(200)
                    .contentType("audio/wav").extract().asByteArray();
            assertThat(new String(wav, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("RIFF");
            dev.callgate.media.AudioMeter meter = new dev.callgate.media.AudioMeter();
            for (int offset = 44; offset + 960 <= wav.length; offset += 960) {
                meter.accept(java.util.Arrays.copyOfRange(wav, offset, offset + 960), 16, 48000, 1, 480);
            }
            assertThat(meter.snapshot().dominantHz()).isCloseTo(660, within(15.0));
        }
        given().get("/v1/calls/" + callRef).then().statusCode(200)
                .body("state", equalTo("ENDED")).body("outcome", equalTo("COMPLETED"));
        for (String timer : List.of("callgate.call.connect.overhead", "callgate.call.answer.apply",
                "callgate.call.setup")) {
            assertThat(registry.find(timer).timer()).as(timer).isNotNull();
            assertThat(registry.find(timer).timer().count()).as(timer).isPositive();
        }
    }

    /** Places a call through Kafka and waits for its ENDED event; returns the event types and the ENDED data. */
    private Ended placeAndAwaitEnd(String user, String media, String onEvent,
                                   java.util.function.Consumer<String> action) {
        String callRef = "ref-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, PNID, user, media));
            if (action != null) {
                events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call." + onEvent), 1);
                action.accept(callRef);
            }
            ConsumerRecord<String, String> ended = events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1).get(0);
            return new Ended(callRef, CloudEvents.callTypes(events.matching(r -> callRef.equals(r.key()))),
                    CloudEvents.data(ended));
        }
    }

    private record Ended(String callRef, List<String> types, JsonNode data) {
    }

    @Test
    void metaSayingFailedEndsTheCallFailedWithOrWithoutAnErrorAndWhereverTheErrorSits() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        Ended bare = placeAndAwaitEnd(user, null, "connected", callRef -> SimulatorAdminClient.fail(
                given().get("/v1/calls/" + callRef).then().extract().path("whatsappCallId"), null, false));
        assertThat(bare.data().path("outcome").asText()).isEqualTo("FAILED");
        assertThat(bare.data().path("reason").asText()).isEqualTo("whatsapp_failed");
        assertThat(bare.data().has("errorCode")).isFalse();
        assertThat(bare.data().path("meta").path("status").asText()).isEqualTo("FAILED");
        assertThat(bare.data().path("meta").has("startTime")).isTrue(); // it was picked up

        String other = Webhooks.newUser();
        SimulatorAdminClient.script(other, "answerAfterMs", 100, "neverHangUp", true);
        Ended inItem = placeAndAwaitEnd(other, null, "connected", callRef -> SimulatorAdminClient.fail(
                given().get("/v1/calls/" + callRef).then().extract().path("whatsappCallId"), 138021, true));
        assertThat(inItem.data().path("outcome").asText()).isEqualTo("FAILED");
        assertThat(inItem.data().path("reason").asText()).isEqualTo("whatsapp_error");
        assertThat(inItem.data().path("errorCode").asInt()).isEqualTo(138021);
        given().get("/v1/calls/" + inItem.callRef()).then().statusCode(200).body("meta.status", equalTo("FAILED"))
                .body("errorCode", equalTo(138021));
    }

    @Test
    void thePromptStartsFromItsBeginningWhenTheUserPicksUpAndTheRingingPhoneHearsSilence() {
        // 2 s of 500 Hz, then 1500 Hz: whoever hears the prompt from its start hears 500 Hz first
        dev.callgate.support.Prompts.write("greeting-" + "two-tones", new dev.callgate.support.Prompts.Segment(500, 2),
                new dev.callgate.support.Prompts.Segment(1500, 10));
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 3000, "neverHangUp", true);
        String callRef = "prompt-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, PNID, user,
                    "{\"prompt\":\"greeting-two-tones\"}"));
            String callId = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ringing"), 1).get(0)).path("whatsappCallId").asText();
            // media is up while the phone rings, and the phone hears silence
            await().atMost(Duration.ofSeconds(5)).until(() -> media.report(callRef).map(m ->
                    "CONNECTED".equals(m.state())).orElse(false));
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz")).isZero());
            events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call.connected"), 1);
            // picked up after 3 s: the prompt plays from its first second (500 Hz), not from its fourth (1500 Hz)
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                            .isCloseTo(500, within(15.0)));
            Commands.send(callRef, Commands.terminate("t-" + UUID.randomUUID(), callRef));
            events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call.ended"), 1);
        }
    }

    @Test
    void aPickedUpCallWhoseAcceptedNeverComesIsActiveAtTheUsersVoiceAndCompletes() {
        SimulatorAdminClient.acceptedLate(0, true);
        String user = Webhooks.newUser();
        // talks for 6 s: longer than the test profile's 4 s ring timeout, which must not end the call NO_ANSWER
        SimulatorAdminClient.script(user, "answerAfterMs", 500, "hangUpAfterMs", 6000, "toneHz", 660.0);
        Ended ended = placeAndAwaitEnd(user, "{\"tone\":1000}", null, null);
        assertThat(ended.data().path("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(ended.types()).containsSubsequence("ringing", "accepted", "connected", "ended");
        assertThat(ended.types()).containsOnlyOnce("accepted");
        String callId = ended.data().path("whatsappCallId").asText();
        assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("user_hung_up");
        assertThat(SimulatorAdminClient.call(callId).getList("webhooks.kind", String.class))
                .doesNotContain("ACCEPTED");
    }

    @Test
    void anAcceptedThatComesAfterTheUsersVoiceChangesNothing() {
        SimulatorAdminClient.acceptedLate(2500, false);
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "hangUpAfterMs", 5000, "toneHz", 660.0);
        Ended ended = placeAndAwaitEnd(user, "{\"tone\":1000}", null, null);
        assertThat(ended.data().path("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(ended.types()).containsOnlyOnce("accepted", "connected", "ended");
        String callId = ended.data().path("whatsappCallId").asText();
        assertThat(SimulatorAdminClient.call(callId).getList("webhooks.kind", String.class)).contains("ACCEPTED");
    }

    @Test
    void aUserKnownOnlyByBsuidIsCalledByRecipientAndNamedSoInEveryEvent() {
        String user = Webhooks.newBsuidUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 200, "hangUpAfterMs", 2000, "toneHz", 660.0);
        String callRef = "bsuid-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, """
                    {"type":"call.initiate","commandId":"%s","callRef":"%s","phoneNumberId":"%s","recipient":"%s"}"""
                    .formatted(UUID.randomUUID(), callRef, PNID, user));
            ConsumerRecord<String, String> endedRecord = events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1).get(0);
            JsonNode ended = CloudEvents.data(endedRecord);
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(ended.path("recipient").asText()).isEqualTo(user);
            assertThat(ended.has("to")).isFalse();
            for (ConsumerRecord<String, String> event : events.matching(r -> callRef.equals(r.key()))) {
                assertThat(CloudEvents.data(event).path("recipient").asText()).isEqualTo(user);
            }
            // Meta's webhooks named the user by BSUID only; the simulator's phone heard our audio all the same
            String callId = ended.path("whatsappCallId").asText();
            assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("user_hung_up");
        }
        // the permission is read with ?recipient= (the simulator's default user holds a temporary permission)
        given().get("/v1/permissions/" + PNID + "/" + user).then().statusCode(200)
                .body("status", equalTo("temporary"));
    }

    @Test
    void metaNativeRecordingAndTranscriptionAreAskedForAndTheirMediaIdsPublished() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 200, "hangUpAfterMs", 1500);
        String callRef = "capture-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, """
                    {"type":"call.initiate","commandId":"%s","callRef":"%s","phoneNumberId":"%s","to":"%s",
                     "recording":{"status":"ENABLED","purpose":"quality"},"transcription":{"status":"ENABLED"}}"""
                    .formatted(UUID.randomUUID(), callRef, PNID, user));
            JsonNode recording = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.recording_available"), 1).get(0));
            JsonNode transcript = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.transcription_available"), 1).get(0));
            assertThat(recording.path("metaRecording").path("mediaId").asText()).isNotBlank();
            assertThat(recording.path("metaRecording").path("mimeType").asText()).startsWith("audio/ogg");
            assertThat(transcript.path("metaTranscript").path("mediaId").asText()).isNotBlank();
            String callId = recording.path("whatsappCallId").asText();
            // what connect carried to Meta
            assertThat(SimulatorAdminClient.call(callId).getString("recording.status")).isEqualTo("ENABLED");
            assertThat(SimulatorAdminClient.call(callId).getString("recording.purpose")).isEqualTo("quality");
            assertThat(SimulatorAdminClient.call(callId).getString("transcription.status")).isEqualTo("ENABLED");
            given().get("/v1/calls/" + callRef).then().statusCode(200)
                    .body("meta.recordingMediaId", equalTo(recording.path("metaRecording").path("mediaId").asText()))
                    .body("meta.transcriptMediaId", equalTo(transcript.path("metaTranscript").path("mediaId").asText()));
        }
    }

    @Test
    void rejectedCallEndsRejected() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "reject", true, "answerAfterMs", 200);
        Ended ended = placeAndAwaitEnd(user, null, null, null);
        assertThat(ended.data().path("outcome").asText()).isEqualTo("REJECTED");
        assertThat(ended.types()).containsSubsequence("dialing", "ringing", "ended").doesNotContain("accepted");
    }

    @Test
    void unansweredCallEndsNoAnswerAfterOurRingTimeoutAndIsTerminatedAtMeta() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        Ended ended = placeAndAwaitEnd(user, null, null, null);
        assertThat(ended.data().path("outcome").asText()).isEqualTo("NO_ANSWER");
        assertThat(ended.data().path("reason").asText()).isEqualTo("ring_timeout");
        String callId = ended.data().path("whatsappCallId").asText();
        assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated");
    }

    @Test
    void terminateCommandMidCallCompletesAndTerminatesAtMeta() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        Ended ended = placeAndAwaitEnd(user, null, "connected",
                callRef -> Commands.send(callRef, Commands.terminate("cmd-" + UUID.randomUUID(), callRef)));
        assertThat(ended.data().path("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(ended.data().path("reason").asText()).isEqualTo("hung_up");
        assertThat(ended.types()).containsSubsequence("accepted", "connected", "ended");
        String callId = ended.data().path("whatsappCallId").asText();
        assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated");
    }

    @Test
    void aTerminateMetaDoesNotTakeEndsTheCallUnconfirmedAndIsRetriedUntilMetaConfirmsIt() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        String[] callId = new String[1];
        // Meta answers 503 to the next 40 terminate requests: more than fit in the terminate grace (the test profile
        // retries every ≤ 2 s, 3 requests each), fewer than the retries after it
        Ended ended = placeAndAwaitEnd(user, null, "connected", callRef -> {
            callId[0] = given().get("/v1/calls/" + callRef).then().extract().path("whatsappCallId");
            SimulatorAdminClient.fault("terminate", 503, 131000, 0, 40);
            Commands.send(callRef, Commands.terminate("cmd-" + UUID.randomUUID(), callRef));
        });
        assertThat(ended.data().path("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(ended.data().path("terminateConfirmed").asBoolean(true)).isFalse();
        given().get("/v1/calls/" + ended.callRef()).then().statusCode(200).body("terminateConfirmed", equalTo(false));

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(SimulatorAdminClient.call(callId[0]).getString("endReason")).isEqualTo("business_terminated");
            given().get("/v1/calls/" + ended.callRef()).then().statusCode(200)
                    .body("terminateConfirmed", equalTo(true));
        });
        assertThat(registry.find("callgate.call.effects.retries").tag("kind", "terminate").counter())
                .isNotNull().satisfies(c -> assertThat(c.count()).isGreaterThanOrEqualTo(5));
    }

    @Test
    void metasTerminateArrivingAfterTheCallEndedIsPublishedAsReconciledAndShownByRest() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        String[] callId = new String[1];
        // Meta cannot be reached for our terminate: the terminate grace ends the call without Meta's word
        Ended ended = placeAndAwaitEnd(user, null, "connected", callRef -> {
            callId[0] = given().get("/v1/calls/" + callRef).then().extract().path("whatsappCallId");
            SimulatorAdminClient.fault("terminate", 503, 131000, 0, 1000);
            Commands.send(callRef, Commands.terminate("cmd-" + UUID.randomUUID(), callRef));
        });
        assertThat(ended.data().path("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(ended.data().has("meta")).isFalse();
        assertThat(ended.data().path("terminateConfirmed").isBoolean()).isTrue();
        assertThat(ended.data().path("terminateConfirmed").asBoolean()).isFalse();
        assertThat(SimulatorAdminClient.call(callId[0]).getString("state")).isEqualTo("active");

        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            // then Meta's terminate arrives, late, in Meta's shape: its status and billed duration are reconciled
            Webhooks.postSigned(Webhooks.envelope("calls", Webhooks.contacts(user, "Zoë") + ",\n\"calls\":["
                    + Webhooks.terminateItem(callId[0], user) + "]")).statusCode(200);
            JsonNode reconciled = CloudEvents.data(events.await(r -> ended.callRef().equals(r.key())
                    && r.value().contains("\"dev.callgate.call.reconciled\""), 1).get(0));
            assertThat(reconciled.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(reconciled.path("metaOutcome").asText()).isEqualTo("COMPLETED");
            assertThat(reconciled.path("outcomeAgrees").asBoolean()).isTrue();
            assertThat(reconciled.path("meta").path("status").asText()).isEqualTo("COMPLETED");
            assertThat(reconciled.path("meta").path("durationSeconds").asLong()).isEqualTo(110);
            given().get("/v1/calls/" + ended.callRef()).then().statusCode(200).body("outcome", equalTo("COMPLETED"))
                    .body("meta.status", equalTo("COMPLETED")).body("meta.durationSeconds", equalTo(110));
        } finally {
            SimulatorAdminClient.reset(); // the faults go, and with them the simulator's call
        }
    }

    @Test
    void noPermissionEndsPermissionDeniedWithTheWhatsAppCode() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.revoke(user);
        Ended ended = placeAndAwaitEnd(user, null, null, null);
        assertThat(ended.data().path("outcome").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(ended.data().path("errorCode").asInt()).isEqualTo(138006);
        assertThat(ended.types()).doesNotContain("ringing");
    }

    @Test
    void serverErrorOnConnectIsNotRetriedAndEndsFailedWhenNoWebhookEverNamesTheCall() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.fault("connect", 503, 138004, 0, 3); // refused before Meta placed anything
        Ended ended = placeAndAwaitEnd(user, null, null, null);
        assertThat(ended.data().path("outcome").asText()).isEqualTo("FAILED");
        assertThat(ended.data().path("reason").asText()).isEqualTo("connect_outcome_unknown");
        assertThat(ended.data().path("errorCode").asInt()).isEqualTo(138004);
        assertThat(SimulatorAdminClient.faults().getInt("connect.hits")).isEqualTo(1);
    }

    @Test
    void aConnectWhoseAnswerWasLostIsRecoveredThroughItsCorrelationAndTheCallersValueEchoed() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "hangUpAfterMs", 2500, "toneHz", 660.0);
        SimulatorAdminClient.faultAfterApplying("connect", 503, 138004, 1); // Meta placed the call; 503 came back
        String callRef = "lost-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, """
                    {"type":"call.initiate","commandId":"%s","callRef":"%s","phoneNumberId":"%s","to":"%s",
                     "bizOpaqueCallbackData":"order-42"}""".formatted(UUID.randomUUID(), callRef, PNID, user));
            ConsumerRecord<String, String> endedRecord = events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1).get(0);
            JsonNode ended = CloudEvents.data(endedRecord);
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(ended.path("bizOpaqueCallbackData").asText()).isEqualTo("order-42");
            assertThat(CloudEvents.callTypes(events.matching(r -> callRef.equals(r.key()))))
                    .containsSubsequence("ringing", "accepted", "connected", "ended");
            String callId = ended.path("whatsappCallId").asText();
            assertThat(callId).startsWith("wacid.");
            assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("user_hung_up");
        }
        assertThat(registry.find("callgate.call.connect.recovered").counter().count()).isPositive();
    }

    @Test
    void aRepeatedCommandPlacesOneCall() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "reject", true, "answerAfterMs", 100);
        String callRef = "dup-" + UUID.randomUUID();
        String command = Commands.initiate("cmd-" + UUID.randomUUID(), callRef, PNID, user, null);
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, command);
            Commands.send(callRef, command);
            events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call.ended"), 1);
        }
        assertThat(given().get("/simulator/calls").then().extract().jsonPath().getList("user")).containsOnlyOnce(user);
    }

    @Test
    void duplicatedWebhooksGiveTheSameEndAndEventsAsCleanOnes() {
        String clean = Webhooks.newUser();
        SimulatorAdminClient.script(clean, "answerAfterMs", 200, "hangUpAfterMs", 1500);
        Ended expected = placeAndAwaitEnd(clean, null, null, null);

        SimulatorAdminClient.chaos(true, false, false, 0);
        String doubled = Webhooks.newUser();
        SimulatorAdminClient.script(doubled, "answerAfterMs", 200, "hangUpAfterMs", 1500);
        Ended actual = placeAndAwaitEnd(doubled, null, null, null);

        assertThat(actual.types()).isEqualTo(expected.types());
        assertThat(actual.data().path("outcome").asText()).isEqualTo(expected.data().path("outcome").asText())
                .isEqualTo("COMPLETED");
    }

    @Test
    void terminateBeforeConnectGivesTheSameEndAndEventsAsInOrder() {
        String clean = Webhooks.newUser();
        SimulatorAdminClient.script(clean, "reject", true, "answerAfterMs", 300);
        Ended expected = placeAndAwaitEnd(clean, null, null, null);

        SimulatorAdminClient.chaos(false, true, false, 0);
        String reordered = Webhooks.newUser();
        SimulatorAdminClient.script(reordered, "reject", true, "answerAfterMs", 300);
        Ended actual = placeAndAwaitEnd(reordered, null, null, null);

        assertThat(actual.types()).isEqualTo(expected.types());
        assertThat(actual.data().path("outcome").asText()).isEqualTo("REJECTED");
        assertThat(expected.data().path("outcome").asText()).isEqualTo("REJECTED");
    }

    @Test
    void connectWebhookBeforeTheConnectResponseIsRecognisedByItsCorrelationAndApplied() {
        SimulatorAdminClient.chaos(false, false, true, 0);
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "hangUpAfterMs", 1500);
        double recoveredBefore = registry.counter("callgate.call.connect.recovered").count();
        Ended ended = placeAndAwaitEnd(user, null, null, null);
        // the early connect echoes our biz_opaque_callback_data, so it names its call before connect's answer
        assertThat(registry.counter("callgate.call.connect.recovered").count()).isGreaterThan(recoveredBefore);
        assertThat(ended.data().path("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(ended.types()).containsSubsequence("dialing", "ringing", "accepted", "connected", "ended");
    }
}
