package dev.callgate.call.flow;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.Webhooks;
import io.restassured.http.ContentType;
import dev.callgate.support.WebhookTopic;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A record on callgate.webhooks that cannot be read, or that PostgreSQL refuses for its data, is not lost: it goes to
 * the DLQ with the reason, at once. A record carrying {@code \u0000} in its strings is no such record: PostgreSQL holds
 * it escaped, and its text as received beside it.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class WebhookDeadLetterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How PostgreSQL holds a U+0000 of a webhook: the six characters backslash, u, 0, 0, 0, 0. */
    private static final String ESCAPED_NUL = "\\u0000";

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    @Test
    void aRecordPostgresRefusesForItsDataGoesToTheDlqAtOnceAndTheNextOneIsRecorded() {
        String poison = "wacid." + "A".repeat(300); // longer than call_events.whatsapp_call_id: SQLSTATE 22001
        String healthy = dev.callgate.support.Webhooks.newCallId();
        double retriesBefore = retries();
        try (WebhookTopic dlq = new WebhookTopic("callgate.webhooks.dlq")) {
            dev.callgate.support.Webhooks.postSigned(dev.callgate.support.Webhooks.callStatus(poison,
                    dev.callgate.support.Webhooks.newUser(), "RINGING")).statusCode(200);
            dev.callgate.support.Webhooks.postSigned(dev.callgate.support.Webhooks.callStatus(healthy,
                    dev.callgate.support.Webhooks.newUser(), "RINGING")).statusCode(200);
            var dead = dlq.await(r -> poison.equals(r.key()), 1);
            assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(),
                    StandardCharsets.UTF_8)).contains("SQLSTATE 22001").contains("a retry cannot help");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                    !dev.callgate.support.Database.column("select id from call_events where whatsapp_call_id = ?",
                            healthy).isEmpty());
        }
        assertThat(retries()).as("retries spent on a record that can never be stored").isEqualTo(retriesBefore);
    }

    private double retries() {
        var counter = registry.find("callgate.consumer.retries").tag("channel", WebhookEventRecorder.CHANNEL).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aTerminateCarryingNulInItsStringsIsStoredAppliedAndKeptExactlyAsReceived() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        String callRef = "nul-" + UUID.randomUUID();
        double retriesBefore = retries();
        try (WebhookTopic events = new WebhookTopic("callgate.events");
             WebhookTopic webhooks = WebhookTopic.webhooks();
             WebhookTopic dlq = new WebhookTopic("callgate.webhooks.dlq")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, null));
            String callId = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.connected"), 1).get(0)).path("whatsappCallId").asText();

            // Meta's terminate, with U+0000 (JSON: \u0000) in a value we echo, in a name, and in a key of its own
            String terminate = Webhooks.terminateItem(callId, user)
                    .replace("\"order-77\"", "\"order\\u0000-77\"")
                    .replace("\"status\"", "\"x\\u0000y\":\"\\u0000\",\"status\"");
            Webhooks.postSigned(Webhooks.envelope("calls", Webhooks.contacts(user, "Zo\\u0000e")
                    + ",\"calls\":[" + terminate + "]")).statusCode(200);
            String published = webhooks.await(r -> callId.equals(r.key()) && r.value().contains("\"terminate\""), 1)
                    .get(0).value();
            assertThat(published).contains("order\\u0000-77");

            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");

            // kept exactly as received, beside the escaped form the queries work on
            assertThat(Database.column("select original::text from call_events where whatsapp_call_id = ?"
                    + " and event = 'terminate'", callId)).containsExactly(published);
            assertThat(Database.column("select payload -> 'item' ->> 'biz_opaque_callback_data' from call_events"
                    + " where whatsapp_call_id = ? and event = 'terminate'", callId))
                    .containsExactly("order" + ESCAPED_NUL + "-77");
            JsonNode original = JSON.readTree(Database.column("select coalesce(original::text, payload::text)"
                    + " from call_events where whatsapp_call_id = ? and event = 'terminate'", callId).get(0));
            assertThat(original).isEqualTo(JSON.readTree(published));
            assertThat(original.path("item").path("biz_opaque_callback_data").asText()).isEqualTo("order\u0000-77");
            assertThat(original.path("item").path("x\u0000y").asText()).isEqualTo("\u0000");
            assertThat(dlq.drainToEnd()).filteredOn(r -> callId.equals(r.key())).isEmpty();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        assertThat(retries()).as("retries of a record that is stored at once").isEqualTo(retriesBefore);
    }

    @Test
    void aStatusCarryingNulForACallNotKnownYetIsParkedAndExpiresLikeAnyOther() {
        String callId = Webhooks.newCallId();
        Webhooks.postSigned(Webhooks.callStatus(callId, Webhooks.newUser(), "RINGING")
                .replace("\"order-77\"", "\"order\\u0000-77\"")).statusCode(200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> Database.column(
                        "select payload -> 'item' ->> 'biz_opaque_callback_data' from parked_webhooks"
                                + " where whatsapp_call_id = ?", callId).equals(java.util.List.of("order" + ESCAPED_NUL + "-77")));
        // the expiry reads payload ->> 'kind' / 'event' of the parked row: it is not held up by it
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> Database.column(
                "select id from parked_webhooks where whatsapp_call_id = ?", callId).isEmpty());
        assertThat(Database.column("select original::text from call_events where whatsapp_call_id = ?", callId))
                .singleElement().asString().contains("order\\u0000-77");
    }

    @Test
    void aCallersPayloadWithNulReachesTextColumnsAndEventsEscaped() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = given().contentType(ContentType.JSON).body(Map.of("phoneNumberId",
                            Webhooks.PHONE_NUMBER_ID, "toneHz", 660.0, "deeplinkPayload", "campaign\u0000-7"))
                    .post("/simulator/users/" + Webhooks.newUser() + "/calls").then().statusCode(201)
                    .extract().path("callId");
            JsonNode incoming = CloudEvents.data(events.await(r -> callId.equals(r.key())
                    && r.value().contains("dev.callgate.call.incoming"), 1).get(0));
            assertThat(incoming.path("deeplinkPayload").asText()).isEqualTo("campaign" + ESCAPED_NUL + "-7");
            assertThat(Database.column("select deeplink_payload from calls where whatsapp_call_id = ?", callId))
                    .containsExactly("campaign" + ESCAPED_NUL + "-7");
            Commands.send(callId, Commands.reject("reject-" + UUID.randomUUID(), callId));
            events.await(r -> callId.equals(r.key()) && r.value().contains("dev.callgate.call.ended"), 1);
        }
    }

    @Test
    void unreadableRecordGoesToTheDlqWithItsReason() throws Exception {
        String key = "wacid.garbage-" + UUID.randomUUID();
        double deadBefore = registry.get("callgate.consumer.dead.lettered").tag("channel", "webhooks-in").counter()
                .count();
        try (WebhookTopic dlq = new WebhookTopic("callgate.webhooks.dlq");
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            producer.send(new ProducerRecord<>("callgate.webhooks", key, "{not json")).get(10, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("callgate.webhooks", key, "{\"schema\":1}")).get(10, TimeUnit.SECONDS);

            var dead = dlq.await(r -> key.equals(r.key()), 2);
            assertThat(dead).extracting(r -> r.value()).containsExactly("{not json", "{\"schema\":1}");
            assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(),
                    StandardCharsets.UTF_8)).contains("unreadable callgate.webhooks record");
            assertThat(new String(dead.get(1).headers().lastHeader("dead-letter-reason").value(),
                    StandardCharsets.UTF_8)).contains("lacks dedupId");
            // counted for the alert CallgateWebhooksDeadLettered (docs/operations.md)
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(registry.get("callgate.consumer.dead.lettered").tag("channel", "webhooks-in")
                            .counter().count()).isGreaterThanOrEqualTo(deadBefore + 2));
        }
    }
}
