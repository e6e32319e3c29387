package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.cloudapi.CloudApiClient;
import dev.callgate.cloudapi.SentMessage;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.OnVertx;
import dev.callgate.support.SignallingOffer;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The simulator's webhooks are signed and shaped like Meta's: the ingress accepts them and they land on Kafka. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class SimulatorWebhooksTest {

    static final String PNID = Webhooks.PHONE_NUMBER_ID;
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    CloudApiClient client;


    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    private String connect(String user) {
        return OnVertx.await(() -> client.connect(PNID, user, SignallingOffer.sdp(), "wh-test"));
    }

    /** The record's event: connect/terminate for calls, the status for call statuses. */
    private String event(ConsumerRecord<String, String> record) {
        try {
            return json.readTree(record.value()).path("event").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void answeredCallDeliversConnectRingingAcceptedTerminateInOrder() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "hangUpAfterMs", 1200);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = connect(user);
            List<ConsumerRecord<String, String>> records = topic.await(r -> callId.equals(r.key()), 4);
            assertThat(records).extracting(this::event).containsExactly("connect", "RINGING", "ACCEPTED", "terminate");
            JsonNode terminate = json.readTree(records.get(3).value()).path("item");
            assertThat(terminate.path("status").asText()).isEqualTo("COMPLETED");
            assertThat(terminate.path("timestamp").isTextual()).isTrue();
            assertThat(terminate.path("start_time").isTextual()).isTrue();
            assertThat(terminate.path("duration").isInt()).isTrue();
            JsonNode ringing = json.readTree(records.get(1).value());
            assertThat(ringing.path("kind").asText()).isEqualTo("CALL_STATUS");
            assertThat(ringing.path("item").path("biz_opaque_callback_data").asText()).isEqualTo("wh-test");
            // delivered once each, on the first attempt: the ingress verified the signature (the simulator may
            // still be reading the last 200 when the record is already on Kafka)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                var report = SimulatorAdminClient.call(callId);
                assertThat(report.getList("webhooks.attempts", Integer.class)).containsOnly(1);
                assertThat(report.getList("webhooks.lastStatus", Integer.class)).containsOnly(200);
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> Database.callEvents(callId).size() == 4);
        }
    }

    @Test
    void rejectedCallHasNoStartTime() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "reject", true, "answerAfterMs", 100);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = connect(user);
            List<ConsumerRecord<String, String>> records = topic.await(r -> callId.equals(r.key()), 4);
            assertThat(records).extracting(this::event).containsExactly("connect", "RINGING", "REJECTED", "terminate");
            JsonNode terminate = json.readTree(records.get(3).value()).path("item");
            assertThat(terminate.has("start_time")).isFalse();
            assertThat(terminate.has("duration")).isFalse();
        }
    }

    @Test
    void permissionReplyArrivesOnTheMessagesField() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.revoke(user);
        String key = "perm:" + PNID + ":" + user;
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            SentMessage request = client.sendPermissionRequest(PNID, user, "May we call?")
                    .await().atMost(Duration.ofSeconds(10));
            SimulatorAdminClient.reply(user, "accept", false);
            JsonNode reply = json.readTree(topic.await(r -> key.equals(r.key()), 1).get(0).value());
            assertThat(reply.path("field").asText()).isEqualTo("messages");
            assertThat(reply.path("kind").asText()).isEqualTo("PERMISSION_REPLY");
            JsonNode item = reply.path("item");
            assertThat(item.path("context").path("id").asText()).isEqualTo(request.messageId());
            JsonNode answer = item.path("interactive").path("call_permission_reply");
            assertThat(answer.path("is_permanent").asBoolean()).isFalse();
            assertThat(answer.path("expiration_timestamp").isTextual()).isTrue();
            assertThat(answer.path("response_source").asText()).isEqualTo("user_action");
        }
        // and the user can now be called
        assertThat(client.callPermission(PNID, user).await().atMost(Duration.ofSeconds(10)).canStartCall()).isTrue();
    }

    @Test
    void fourUnansweredCallsRevokeThePermissionWithAnAutomaticReply() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "reject", true, "answerAfterMs", 0);
        String key = "perm:" + PNID + ":" + user;
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            for (int i = 0; i < 4; i++) {
                String callId = connect(user);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> "ended".equals(SimulatorAdminClient.call(callId).getString("state")));
            }
            JsonNode revoke = json.readTree(topic.await(r -> key.equals(r.key()), 1).get(0).value());
            JsonNode reply = revoke.path("item").path("interactive").path("call_permission_reply");
            assertThat(reply.path("response").asText()).isEqualTo("reject");
            assertThat(reply.path("response_source").asText()).isEqualTo("automatic");
            assertThat(revoke.path("item").has("context")).isFalse();
        }
        assertThat(client.callPermission(PNID, user).await().atMost(Duration.ofSeconds(10)).canStartCall()).isFalse();
    }

    @Test
    void duplicateDeliveryIsPublishedTwiceAndRecordedOnce() {
        SimulatorAdminClient.chaos(true, false, false, 0);
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "hangUpAfterMs", 500);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = connect(user);
            assertThat(topic.await(r -> callId.equals(r.key()), 8)).hasSize(8);
            await().atMost(Duration.ofSeconds(20)).until(() -> Database.callEvents(callId).size() == 4
                    && topic.committedPast("callgate-call-events", r -> callId.equals(r.key())));
            assertThat(Database.callEvents(callId)).containsExactly("CALL connect", "CALL_STATUS RINGING",
                    "CALL_STATUS ACCEPTED", "CALL terminate");
        }
    }

    @Test
    void reorderSendsTerminateBeforeConnect() {
        SimulatorAdminClient.chaos(false, true, false, 0);
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "reject", true, "answerAfterMs", 50);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = connect(user);
            List<String> order = topic.await(r -> callId.equals(r.key()), 4).stream().map(this::event).toList();
            assertThat(order).containsExactlyInAnyOrder("connect", "RINGING", "REJECTED", "terminate");
            assertThat(order.indexOf("terminate")).isLessThan(order.indexOf("connect"));
        }
    }

    @Test
    void connectWebhookCanBeatTheConnectResponse() {
        SimulatorAdminClient.chaos(false, false, true, 0);
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = connect(user);
            // the connect webhook was on Kafka before the POST /calls response reached us
            assertThat(topic.drainToEnd()).anyMatch(r -> callId.equals(r.key()) && "connect".equals(event(r)));
            client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(10));
        }
    }

    @Test
    void delayedWebhooksArriveLate() {
        SimulatorAdminClient.chaos(false, false, false, 1500);
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId = connect(user);
            var connect = topic.await(r -> callId.equals(r.key()) && "connect".equals(event(r)), 1).get(0);
            long queued = java.time.Instant.parse(SimulatorAdminClient.call(callId).getString("webhooks[0].queuedAt"))
                    .toEpochMilli();
            assertThat(connect.timestamp() - queued).isGreaterThanOrEqualTo(1500);
            client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(10));
        }
    }

    @Test
    void webhooksRefusedByTheIngressAreRetriedUntilAccepted() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            String callId;
            KafkaBroker.stopBroker(); // the ingress answers 503 while Kafka is down
            try {
                callId = connect(user);
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        SimulatorAdminClient.call(callId).getInt("webhooks[0].attempts") >= 2);
                assertThat(SimulatorAdminClient.call(callId).getInt("webhooks[0].lastStatus")).isEqualTo(503);
            } finally {
                KafkaBroker.restartBroker();
            }
            topic.await(r -> callId.equals(r.key()) && "connect".equals(event(r)), 1);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    SimulatorAdminClient.call(callId).getInt("webhooks[0].lastStatus") == 200);
            client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(10));
        }
    }
}
