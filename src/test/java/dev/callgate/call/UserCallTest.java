package dev.callgate.call;

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
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
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

/**
 * User-initiated calls end to end: the simulated user's WebRTC phone calls a business number → connect webhook through
 * the ingress and Kafka → INCOMING → our answer (pre_accept, accept) → events. Number {@link #AUTO} is configured
 * auto-accept in the test profile; {@link Webhooks#PHONE_NUMBER_ID} waits for call.accept / call.reject.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class UserCallTest {

    static final String AUTO = "106540352242933";
    static final String BY_COMMAND = Webhooks.PHONE_NUMBER_ID;

    @Inject
    MediaWorkerPool media;

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    private JsonNode awaitEvent(WebhookTopic events, String callRef, String type) {
        return CloudEvents.data(events.await(r -> callRef.equals(r.key())
                && r.value().contains("dev.callgate.call." + type), 1,
                Duration.ofSeconds(30)).get(0));
    }

    @Test
    void anAutoAcceptedCallCarriesAudioBothWaysUntilTheUserHangsUp() {
        String user = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(user, AUTO, 660.0, 3000L);

            JsonNode incoming = awaitEvent(events, callId, "incoming");
            assertThat(incoming.path("direction").asText()).isEqualTo("USER_INITIATED");
            assertThat(incoming.path("from").asText()).isEqualTo(user);
            assertThat(incoming.path("phoneNumberId").asText()).isEqualTo(AUTO);
            awaitEvent(events, callId, "accepted");
            // accepted at once, yet pre_accept went first (Meta refuses a pre_accept after the accept)
            assertThat(SimulatorAdminClient.call(callId).getBoolean("preAccepted")).isTrue();
            // and not one RTP packet before the accept (spec §1)
            await().atMost(Duration.ofSeconds(2)).until(() ->
                    SimulatorAdminClient.call(callId).get("phone.packetsBeforeAccept") != null);
            assertThat(Reports.count(SimulatorAdminClient.call(callId), "phone.packetsBeforeAccept")).isZero();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(media.report(callId).orElseThrow().received().dominantHz()).isCloseTo(660, within(15.0));
                // our tone (the configured default, 440 Hz) reaches the caller
                assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                        .isCloseTo(440, within(15.0));
            });

            JsonNode ended = awaitEvent(events, callId, "ended");
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(ended.path("durationSeconds").asLong()).isBetween(2L, 4L);
            List<String> types = CloudEvents.callTypes(events.matching(r -> callId.equals(r.key())));
            assertThat(types).containsSubsequence("incoming", "accepted", "connected", "ended");
            assertThat(types).containsOnlyOnce("incoming", "accepted", "ended");
            assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("user_hung_up");
            await().atMost(Duration.ofSeconds(5)).until(() -> media.report(callId).isEmpty());
        }
    }

    @Test
    void aCallAcceptedByCommandIsSilentUntilAcceptedThenPlaysTheChosenToneAndWeHangUp() {
        String user = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(user, BY_COMMAND, 660.0, null);
            awaitEvent(events, callId, "incoming");
            // pre-accepted: ICE and DTLS may come up, but not one RTP packet reaches the caller (spec §1: WhatsApp
            // takes the first media packet as "answered")
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("preaccepted"));
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                    assertThat(Reports.count(SimulatorAdminClient.call(callId), "phone.received.packets")).isZero());
            // our answer (spec §6): the DTLS client to Meta's actpass, sha-256 fingerprints only
            String answer = SimulatorAdminClient.call(callId).getString("answerSdp");
            assertThat(answer).contains("a=setup:active").contains("a=fingerprint:sha-256 ");
            assertThat(answer.lines().filter(l -> l.startsWith("a=fingerprint:"))
                    .allMatch(l -> l.startsWith("a=fingerprint:sha-256 "))).isTrue();
            given().urlEncodingEnabled(false).get("/v1/calls/" + Webhooks.segment(callId)).then().statusCode(200).body("state", equalTo("PRE_ACCEPTED"))
                    .body("direction", equalTo("USER_INITIATED"));

            Commands.send(callId, Commands.accept("accept-" + UUID.randomUUID(), callId, "{\"tone\":1000}"));
            awaitEvent(events, callId, "accepted");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                            .isCloseTo(1000, within(15.0)));
            assertThat(Reports.count(SimulatorAdminClient.call(callId), "phone.packetsBeforeAccept")).isZero();

            given().urlEncodingEnabled(false).delete("/v1/calls/" + Webhooks.segment(callId)).then().statusCode(202);
            JsonNode ended = awaitEvent(events, callId, "ended");
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated");
        }
    }

    @Test
    void aCallRejectedByCommandEndsRejectedAtMeta() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(Webhooks.newUser(), BY_COMMAND, 660.0, null);
            awaitEvent(events, callId, "incoming");
            Commands.send(callId, Commands.reject("reject-" + UUID.randomUUID(), callId));
            JsonNode ended = awaitEvent(events, callId, "ended");
            assertThat(ended.path("outcome").asText()).isEqualTo("REJECTED");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(SimulatorAdminClient.call(callId).getString("endReason"))
                            .isEqualTo("business_rejected"));
            // accepting it now is refused with the reason, on the event stream
            Commands.send(callId, Commands.accept("late-" + UUID.randomUUID(), callId, null));
            JsonNode refused = awaitEvent(events, callId, "refused");
            assertThat(refused.path("reason").asText()).contains("already ended");
            given().urlEncodingEnabled(false).contentType(ContentType.JSON).post("/v1/calls/" + Webhooks.segment(callId) + "/accept").then().statusCode(409)
                    .body("type", org.hamcrest.Matchers.containsString("call-ended"));
        }
    }

    @Test
    void aCallIdInMetasShapeWorksOnRestPathsAndKafka() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(Webhooks.newUser(), BY_COMMAND, 660.0, null);
            // Meta's ids are wacid. + standard base64: the simulator issues them with + and / (and often = padding)
            assertThat(callId).matches("wacid\\.[A-Za-z0-9+/]+={0,2}").contains("+", "/");
            awaitEvent(events, callId, "incoming");
            given().urlEncodingEnabled(false).get("/v1/calls/" + Webhooks.segment(callId)).then().statusCode(200)
                    .body("callRef", equalTo(callId)).body("whatsappCallId", equalTo(callId));
            given().urlEncodingEnabled(false).post("/v1/calls/" + Webhooks.segment(callId) + "/reject").then()
                    .statusCode(202).body("callRef", equalTo(callId));
            JsonNode ended = awaitEvent(events, callId, "ended");
            assertThat(ended.path("outcome").asText()).isEqualTo("REJECTED");
            assertThat(ended.path("whatsappCallId").asText()).isEqualTo(callId);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(SimulatorAdminClient.call(callId).getString("endReason"))
                            .isEqualTo("business_rejected"));
        }
    }

    @Test
    void anAcceptWhoseAnswerWasLostIsRetriedAndMetasAlreadyAcceptedKeepsTheCall() {
        String user = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(user, BY_COMMAND, 660.0, 3000L);
            awaitEvent(events, callId, "incoming");
            // Meta connects the call, but its 200 never reaches us: the retry hears "already accepted"
            SimulatorAdminClient.faultAfterApplying("accept", 503, 138004, 1);
            Commands.send(callId, Commands.accept("accept-" + UUID.randomUUID(), callId, "{\"tone\":1000}"));
            awaitEvent(events, callId, "accepted");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                            .isCloseTo(1000, within(15.0)));
            JsonNode ended = awaitEvent(events, callId, "ended");
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(SimulatorAdminClient.faults().getInt("accept.hits")).isEqualTo(1);
            assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("user_hung_up");
        }
    }

    @Test
    void aCallerKnownOnlyByBsuidIsNamedByItAndAnswered() {
        String user = Webhooks.newBsuidUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(user, AUTO, 660.0, 2000L);
            JsonNode incoming = awaitEvent(events, callId, "incoming");
            assertThat(incoming.path("fromUserId").asText()).isEqualTo(user);
            assertThat(incoming.has("from")).isFalse(); // Meta withheld the number
            awaitEvent(events, callId, "accepted");
            JsonNode ended = awaitEvent(events, callId, "ended");
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(ended.path("fromUserId").asText()).isEqualTo(user);
        }
        // a caller with a phone number is named by both
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String phoneUser = Webhooks.newUser();
            String callId = SimulatorAdminClient.placeCall(phoneUser, AUTO, 660.0, 1000L);
            JsonNode incoming = awaitEvent(events, callId, "incoming");
            assertThat(incoming.path("from").asText()).isEqualTo(phoneUser);
            assertThat(incoming.path("fromUserId").asText()).isNotBlank();
        }
    }

    @Test
    void theEntryPointsPayloadReachesTheIncomingEvent() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = given().contentType(ContentType.JSON).body(java.util.Map.of("phoneNumberId", BY_COMMAND,
                            "toneHz", 660.0, "deeplinkPayload", "campaign-7", "ctaPayload", "button-order-12"))
                    .post("/simulator/users/" + Webhooks.newUser() + "/calls").then().statusCode(201)
                    .extract().path("callId");
            JsonNode incoming = awaitEvent(events, callId, "incoming");
            assertThat(incoming.path("deeplinkPayload").asText()).isEqualTo("campaign-7");
            assertThat(incoming.path("ctaPayload").asText()).isEqualTo("button-order-12");
            Commands.send(callId, Commands.reject("reject-" + UUID.randomUUID(), callId));
            awaitEvent(events, callId, "ended");
        }
    }

    @Test
    void aCallNobodyDecidesOnIsRejectedWhenTheAcceptWindowCloses() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(Webhooks.newUser(), BY_COMMAND, 660.0, null);
            awaitEvent(events, callId, "incoming");
            JsonNode ended = awaitEvent(events, callId, "ended"); // the test profile's window: 6 s
            assertThat(ended.path("outcome").asText()).isEqualTo("NO_ANSWER");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(SimulatorAdminClient.call(callId).getString("endReason"))
                            .isEqualTo("business_rejected"));
        }
    }

    @Test
    void theRestFacadeAcceptsByCallIdAndRefusesWhatCannotBeAccepted() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(Webhooks.newUser(), BY_COMMAND, 660.0, 2000L);
            awaitEvent(events, callId, "incoming");
            given().urlEncodingEnabled(false).contentType(ContentType.JSON).body("{\"media\":{\"record\":true}}")
                    .post("/v1/calls/" + Webhooks.segment(callId) + "/accept").then().statusCode(400);
            given().urlEncodingEnabled(false).contentType(ContentType.JSON).body("{\"media\":{\"prompt\":\"nope\"}}")
                    .post("/v1/calls/" + Webhooks.segment(callId) + "/accept").then().statusCode(400)
                    .body("detail", org.hamcrest.Matchers.containsString("media.prompt 'nope' does not exist"));
            given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                    .body("{\"media\":{\"tone\":880},\"recording\":{\"status\":\"ENABLED\",\"purpose\":\"support\"}}")
                    .post("/v1/calls/" + Webhooks.segment(callId) + "/accept").then().statusCode(202);
            // Meta-native recording rode on accept
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(SimulatorAdminClient.call(callId).getString("recording.purpose")).isEqualTo("support"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                            .isCloseTo(880, within(15.0)));
            assertThat(awaitEvent(events, callId, "ended").path("outcome").asText()).isEqualTo("COMPLETED");
        }
        given().contentType(ContentType.JSON).post("/v1/calls/no-such-call/accept").then().statusCode(404);
        given().post("/v1/calls/no-such-call/reject").then().statusCode(404);
    }
}
