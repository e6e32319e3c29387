package dev.callgate.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** Signed webhooks end to end: HTTP → real Kafka (read back by a real consumer) → PostgreSQL. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class WebhookRoutingTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void connectAndTerminateInOneWebhookBecomeTwoRecordsKeyedByCallId() throws Exception {
        String callId = Webhooks.newCallId();
        String user = Webhooks.newUser();
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.postSigned(Webhooks.connectAndTerminate(callId, user)).statusCode(200)
                    .body("published", equalTo(2));
            List<ConsumerRecord<String, String>> records = topic.await(r -> callId.equals(r.key()), 2);
            assertThat(records).hasSize(2);
            assertThat(records.get(0).partition()).isEqualTo(records.get(1).partition());

            JsonNode connect = json.readTree(records.get(0).value());
            assertThat(connect.get("kind").asText()).isEqualTo("CALL");
            assertThat(connect.get("event").asText()).isEqualTo("connect");
            assertThat(connect.get("callId").asText()).isEqualTo(callId);
            assertThat(connect.get("wabaId").asText()).isEqualTo(Webhooks.WABA_ID);
            assertThat(connect.get("phoneNumberId").asText()).isEqualTo(Webhooks.PHONE_NUMBER_ID);
            assertThat(connect.get("metadata").get("display_phone_number").asText()).isEqualTo(Webhooks.BUSINESS_NUMBER);
            assertThat(connect.get("contacts").get(0).get("wa_id").asText()).isEqualTo(user);
            assertThat(connect.get("item").get("session").get("sdp").asText()).startsWith("v=0\r\n");
            assertThat(connect.get("occurredAt").asText()).isEqualTo("2025-12-31T08:00:00Z");
            assertThat(connect.get("receivedAt").asText()).isNotBlank();
            assertThat(connect.get("dedupId").asText()).hasSize(64);

            JsonNode terminate = json.readTree(records.get(1).value());
            assertThat(terminate.get("event").asText()).isEqualTo("terminate");
            assertThat(terminate.get("item").get("duration").asInt()).isEqualTo(110);
            assertThat(terminate.get("dedupId").asText()).isNotEqualTo(connect.get("dedupId").asText());
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Database.callEvents(callId), events -> events.size() == 2);
        assertThat(Database.callEvents(callId)).containsExactly("CALL connect", "CALL terminate");
        // the whole record is kept as a JSON object, queryable
        assertThat(Database.column("select payload -> 'item' ->> 'event' from call_events where whatsapp_call_id = ? "
                + "order by id", callId)).containsExactly("connect", "terminate");
    }

    @Test
    void callStatusIsOneRecordKeyedByCallId() throws Exception {
        String callId = Webhooks.newCallId();
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.postSigned(Webhooks.callStatus(callId, Webhooks.newUser(), "ringing")).statusCode(200);
            List<ConsumerRecord<String, String>> records = topic.await(r -> callId.equals(r.key()), 1);
            JsonNode status = json.readTree(records.get(0).value());
            assertThat(status.get("kind").asText()).isEqualTo("CALL_STATUS");
            assertThat(status.get("event").asText()).isEqualTo("RINGING");
            assertThat(status.get("item").get("biz_opaque_callback_data").asText()).isEqualTo("order-77");
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Database.callEvents(callId), events -> events.equals(List.of("CALL_STATUS RINGING")));
    }

    @Test
    void permissionReplyIsKeyedByBusinessNumberAndUser() throws Exception {
        String user = Webhooks.newUser();
        String key = "perm:" + Webhooks.PHONE_NUMBER_ID + ":" + user;
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.postSigned(Webhooks.permissionReply(user, false)).statusCode(200).body("published", equalTo(1));
            List<ConsumerRecord<String, String>> records = topic.await(r -> key.equals(r.key()), 1);
            assertThat(records).hasSize(1);
            JsonNode reply = json.readTree(records.get(0).value());
            assertThat(reply.get("kind").asText()).isEqualTo("PERMISSION_REPLY");
            assertThat(reply.get("event").asText()).isEqualTo("accept");
            assertThat(reply.get("field").asText()).isEqualTo("messages");
            assertThat(reply.has("callId")).isFalse();
            assertThat(reply.get("item").get("interactive").get("call_permission_reply")
                    .get("expiration_timestamp").asText()).isEqualTo("1768550400");
            String dedupId = reply.get("dedupId").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> Database.column(
                    "select kind || ' ' || event from call_events where dedup_id = ?", dedupId),
                    rows -> rows.equals(List.of("PERMISSION_REPLY accept")));
        }
    }

    @Test
    void messageStatusesAloneAreAcknowledgedAndNotPublished() {
        String user = Webhooks.newUser();
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.postSigned(Webhooks.messageStatusesOnly(user)).statusCode(200)
                    .body("published", equalTo(0)).body("ignored", equalTo(1));
            assertThat(topic.drainToEnd()).noneMatch(r -> r.value().contains(user));
        }
    }

    @Test
    void aFailedMessageStatusIsPublishedOnThePartitionOfTheUsersPermissionReplies() throws Exception {
        String user = Webhooks.newUser();
        String key = "perm:" + Webhooks.PHONE_NUMBER_ID + ":" + user;
        String messageId = "wamid.X-" + java.util.UUID.randomUUID();
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            Webhooks.postSigned(Webhooks.permissionReply(user, false)).statusCode(200).body("published", equalTo(1));
            Webhooks.postSigned(Webhooks.failedMessageStatus(user, messageId, 131026)).statusCode(200)
                    .body("published", equalTo(1)).body("ignored", equalTo(0));
            List<ConsumerRecord<String, String>> records = topic.await(r -> key.equals(r.key()), 2);
            assertThat(records.get(1).partition()).isEqualTo(records.get(0).partition());
            JsonNode status = json.readTree(records.get(1).value());
            assertThat(status.get("kind").asText()).isEqualTo("MESSAGE_STATUS");
            assertThat(status.get("event").asText()).isEqualTo("failed");
            assertThat(status.get("item").get("id").asText()).isEqualTo(messageId);
            assertThat(status.get("item").get("errors").get(0).get("code").asInt()).isEqualTo(131026);
            String dedupId = status.get("dedupId").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> Database.column(
                            "select kind || ' ' || event from call_events where dedup_id = ?", dedupId),
                    rows -> rows.equals(List.of("MESSAGE_STATUS failed")));
        }
    }

    @Test
    void theSameWebhookPostedThreeTimesIsRecordedOnce() {
        String callId = Webhooks.newCallId();
        String body = Webhooks.connectAndTerminate(callId, Webhooks.newUser());
        try (WebhookTopic topic = WebhookTopic.webhooks()) {
            for (int delivery = 0; delivery < 3; delivery++) {
                Webhooks.postSigned(body).statusCode(200);
            }
            // Every delivery is published (the ingress does not dedup) ...
            List<ConsumerRecord<String, String>> records = topic.await(r -> callId.equals(r.key()), 6);
            assertThat(records).hasSize(6);
            // ... and the consumer records each event once.
            await().atMost(Duration.ofSeconds(20)).until(() -> Database.column(
                    "select count(*) from call_events where whatsapp_call_id = ?", callId).get(0).equals("2")
                    && allConsumed(topic, callId));
        }
        assertThat(Database.callEvents(callId)).containsExactly("CALL connect", "CALL terminate");
    }

    /** The consumer group's committed offsets have passed every record of the call. */
    private static boolean allConsumed(WebhookTopic topic, String callId) {
        return topic.committedPast("callgate-call-events", r -> callId.equals(r.key()));
    }
}
