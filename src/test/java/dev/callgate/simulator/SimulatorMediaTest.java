package dev.callgate.simulator;

import dev.callgate.support.Reports;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.cloudapi.CloudApiClient;
import dev.callgate.media.AudioPeer;
import dev.callgate.support.IngressAndSimulatorOnly;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.OnVertx;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Real two-way audio between a business-side webrtc-java peer and the simulator's phone, with the SDP travelling the
 * real way: our client's connect, and the simulator's signed connect webhook through the ingress and Kafka.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class) // Meta's side only: no Callgate answering the simulated calls too
@WithTestResource(KafkaBroker.class)
class SimulatorMediaTest {

    static final String PNID = Webhooks.PHONE_NUMBER_ID;
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    CloudApiClient client;

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    private JsonNode connectWebhook(WebhookTopic topic, String callId) throws Exception {
        ConsumerRecord<String, String> record = topic.await(r -> callId.equals(r.key())
                && r.value().contains("\"event\":\"connect\""), 1).get(0);
        return json.readTree(record.value());
    }

    @Test
    void businessInitiatedCallCarriesEachSidesToneToTheOther() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 200, "neverHangUp", true, "toneHz", 660.0);
        try (AudioPeer business = AudioPeer.create("bic-business", 1000);
             WebhookTopic topic = WebhookTopic.webhooks()) {
            String offer = business.createOffer().get(10, TimeUnit.SECONDS);
            String callId = OnVertx.await(() -> client.connect(PNID, user, offer, "media-test"));

            JsonNode connect = connectWebhook(topic, callId);
            assertThat(connect.path("item").path("direction").asText()).isEqualTo("BUSINESS_INITIATED");
            assertThat(connect.path("item").path("session").path("sdp_type").asText()).isEqualTo("answer");
            String answer = connect.path("item").path("session").path("sdp").asText();
            assertThat(answer).contains("a=setup:active").contains("a=candidate:").contains("\r\n");
            MetaSdpTest.assertMetaShaped(answer, "0"); // an answer keeps the offer's mid

            business.applyAnswer(answer).get(10, TimeUnit.SECONDS);
            business.connected().get(10, TimeUnit.SECONDS);
            assertThat(business.iceRole().get(5, TimeUnit.SECONDS)).isEqualTo("controlling");

            // both sides hear the other's tone within 5 s of the connection
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(business.received().frames()).isPositive();
                assertThat(business.received().dominantHz()).isCloseTo(660, within(15.0));
                var heard = SimulatorAdminClient.call(callId);
                assertThat(Reports.count(heard, "phone.received.frames")).isPositive();
                assertThat(Reports.number(heard, "phone.received.dominantHz")).isCloseTo(1000, within(15.0));
            });
            assertThat(business.received().levelDbfs()).isGreaterThan(-40);
            assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.levelDbfs")).isGreaterThan(-40);

            assertThat(SimulatorAdminClient.call(callId).getMap("phone")).containsEntry("packetsBeforeAccept", null);

            topic.await(r -> callId.equals(r.key()) && r.value().contains("\"ACCEPTED\""), 1);
            client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(10));
            JsonNode terminate = json.readTree(topic.await(r -> callId.equals(r.key())
                    && r.value().contains("\"event\":\"terminate\""), 1).get(0).value());
            assertThat(terminate.path("item").path("status").asText()).isEqualTo("COMPLETED");
            assertThat(terminate.path("item").has("duration")).isTrue();
            assertThat(terminate.path("item").path("biz_opaque_callback_data").asText()).isEqualTo("media-test");
        }
    }

    @Test
    void unscriptedUserAnswersAfterASecondSends440HzAndHangsUpAfterFive() throws Exception {
        String user = Webhooks.newUser();
        try (AudioPeer business = AudioPeer.create("default-user-business", 0);
             WebhookTopic topic = WebhookTopic.webhooks()) {
            String offer = business.createOffer().get(10, TimeUnit.SECONDS);
            String callId = OnVertx.await(() -> client.connect(PNID, user, offer, null));
            business.applyAnswer(connectWebhook(topic, callId).path("item").path("session").path("sdp").asText())
                    .get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(business.received().dominantHz()).isCloseTo(440, within(15.0)));
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> "ended".equals(SimulatorAdminClient.call(callId).getString("state")));
            var report = SimulatorAdminClient.call(callId);
            assertThat(report.getString("endReason")).isEqualTo("user_hung_up");
            Duration ringing = Duration.between(java.time.Instant.parse(report.getString("ringingAt")),
                    java.time.Instant.parse(report.getString("acceptedAt")));
            Duration talking = Duration.between(java.time.Instant.parse(report.getString("acceptedAt")),
                    java.time.Instant.parse(report.getString("endedAt")));
            assertThat(ringing).isBetween(Duration.ofMillis(950), Duration.ofMillis(1500));
            assertThat(talking).isBetween(Duration.ofMillis(4950), Duration.ofMillis(5500));
        }
    }

    @Test
    void userInitiatedCallCarriesAudioAfterPreAcceptAndAccept() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverHangUp", true);
        try (AudioPeer business = AudioPeer.create("uic-business", 880);
             WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = SimulatorAdminClient.placeCall(user, 550);
            JsonNode connect = connectWebhook(topic, callId);
            assertThat(connect.path("item").path("direction").asText()).isEqualTo("USER_INITIATED");
            assertThat(connect.path("item").path("session").path("sdp_type").asText()).isEqualTo("offer");
            String offer = connect.path("item").path("session").path("sdp").asText();
            MetaSdpTest.assertMetaShaped(offer, "audio");
            assertThat(offer).contains("a=setup:actpass", "a=candidate:");

            String answer = business.acceptOffer(offer).get(10, TimeUnit.SECONDS);
            assertThat(answer).contains("a=mid:audio");
            client.preAccept(PNID, callId, answer).await().atMost(Duration.ofSeconds(10));
            business.connected().get(10, TimeUnit.SECONDS);
            // Meta's side is ICE-lite: the business answered, yet it is the controlling agent
            assertThat(business.iceRole().get(5, TimeUnit.SECONDS)).isEqualTo("controlling");
            client.accept(PNID, callId, answer, null).await().atMost(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(business.received().dominantHz()).isCloseTo(550, within(15.0));
                assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                        .isCloseTo(880, within(15.0));
            });

            assertThat(business.iceRole().get(5, TimeUnit.SECONDS)).isEqualTo("controlling");

            SimulatorAdminClient.userAction(callId, "hangup");
            JsonNode terminate = json.readTree(topic.await(r -> callId.equals(r.key())
                    && r.value().contains("\"event\":\"terminate\""), 1).get(0).value());
            assertThat(terminate.path("item").path("direction").asText()).isEqualTo("USER_INITIATED");
            assertThat(terminate.path("item").has("start_time")).isTrue();
        }
    }

    /** This business peer sends RTP from the moment ICE and DTLS are up: after pre_accept, before accept. */
    @Test
    void packetsTheBusinessSentBetweenPreAcceptAndAcceptAreCounted() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverHangUp", true);
        try (AudioPeer business = AudioPeer.create("early-business", 880);
             WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = SimulatorAdminClient.placeCall(user, 550);
            String answer = business.acceptOffer(connectWebhook(topic, callId).path("item").path("session")
                    .path("sdp").asText()).get(10, TimeUnit.SECONDS);
            client.preAccept(PNID, callId, answer).await().atMost(Duration.ofSeconds(10));
            business.connected().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    java.util.Objects.requireNonNullElse(Reports.count(SimulatorAdminClient.call(callId), "phone.received.frames"), 0L) > 0);
            assertThat(SimulatorAdminClient.call(callId).getMap("phone"))
                    .as("nothing recorded before the accept").containsEntry("packetsBeforeAccept", null);

            client.accept(PNID, callId, answer, null).await().atMost(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(Reports.count(SimulatorAdminClient.call(callId), "phone.packetsBeforeAccept")).isPositive());
            SimulatorAdminClient.userAction(callId, "hangup");
        }
    }

    /** Accepted without pre_accept: the phone learns the business's answer only with the accept, so no packet came. */
    @Test
    void aCallAcceptedWithoutPreAcceptHasNoPacketsBeforeAcceptAndThenCarriesAudio() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverHangUp", true);
        try (AudioPeer business = AudioPeer.create("late-business", 1000);
             WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = SimulatorAdminClient.placeCall(user, 440);
            String answer = business.acceptOffer(connectWebhook(topic, callId).path("item").path("session")
                    .path("sdp").asText()).get(10, TimeUnit.SECONDS);

            client.accept(PNID, callId, answer, null).await().atMost(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                var report = SimulatorAdminClient.call(callId);
                assertThat(Reports.count(report, "phone.packetsBeforeAccept")).isZero();
                assertThat(Reports.number(report, "phone.received.dominantHz")).isCloseTo(1000, within(15.0));
                assertThat(business.received().dominantHz()).isCloseTo(440, within(15.0));
            });
            assertThat(business.iceRole().get(5, TimeUnit.SECONDS)).isEqualTo("controlling");
            SimulatorAdminClient.userAction(callId, "hangup");
        }
    }
}
