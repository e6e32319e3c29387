package dev.callgate.call;

import dev.callgate.call.flow.WebhookEventRecorder;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.Database;
import dev.callgate.support.DatabaseProxy;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * PostgreSQL goes away under a live call, as the service sees it (a TCP proxy in front of its reactive datasource
 * closes every connection and refuses new ones): a {@code call.terminate} or a user's hang-up that arrives meanwhile
 * is retried until the database is back, then applied once — never dead-lettered, never lost.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
@WithTestResource(DatabaseProxy.class)
class DatabaseOutageTest {

    static final String PNID = Webhooks.PHONE_NUMBER_ID;
    /** The webhook consumer's retry budget before this change: 8 retries, then the DLQ. */
    static final int OLD_RETRY_BUDGET = 8;
    static final String COMMANDS = "commands-in";

    @Inject
    MeterRegistry registry;

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    @Test
    void aTerminateCommandDuringADatabaseOutageEndsTheCallOnceTheDatabaseIsBack() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        String callRef = "outage-" + UUID.randomUUID();
        Predicate<ConsumerRecord<String, String>> ours = r -> callRef.equals(r.key());
        try (WebhookTopic events = new WebhookTopic("callgate.events");
             WebhookTopic dlq = new WebhookTopic("callgate.commands.dlq")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, PNID, user, null));
            events.await(r -> ours.test(r) && r.value().contains("dev.callgate.call.connected"), 1);

            double retriesBefore = retries(COMMANDS);
            DatabaseProxy.cut();
            try {
                Commands.send(callRef, Commands.terminate("cmd-" + UUID.randomUUID(), callRef));
                // the database stays away for 5 s: the command is not dead-lettered (it used to be, at once) …
                await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).pollInSameThread()
                        .until(() -> dlq.pollMatching(ours).isEmpty());
                // … but retried all along, more often than any fixed budget the webhooks had
                assertThat(retries(COMMANDS) - retriesBefore).isGreaterThan(OLD_RETRY_BUDGET);
            } finally {
                DatabaseProxy.restore();
            }

            ConsumerRecord<String, String> ended = events.await(r -> ours.test(r)
                    && r.value().contains("dev.callgate.call.ended"), 1, Duration.ofSeconds(30)).get(0);
            JsonNode data = CloudEvents.data(ended);
            assertThat(data.path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(data.path("reason").asText()).isEqualTo("hung_up");
            String callId = data.path("whatsappCallId").asText();
            assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated");
            assertExactlyOneEnded(events, ours);
            assertThat(dlq.drainToEnd()).filteredOn(ours).as("commands dead-lettered").isEmpty();
        }
        given().get("/v1/calls/" + callRef).then().statusCode(200)
                .body("state", equalTo("ENDED")).body("outcome", equalTo("COMPLETED"));
    }

    @Test
    void aHangUpWebhookDuringADatabaseOutageIsRetriedPastTheOldBudgetAndEndsTheCall() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        String callRef = "outage-" + UUID.randomUUID();
        Predicate<ConsumerRecord<String, String>> ours = r -> callRef.equals(r.key());
        try (WebhookTopic events = new WebhookTopic("callgate.events");
             WebhookTopic dlq = new WebhookTopic("callgate.webhooks.dlq")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, PNID, user, null));
            String callId = CloudEvents.data(events.await(r -> ours.test(r)
                    && r.value().contains("dev.callgate.call.connected"), 1).get(0)).path("whatsappCallId").asText();
            Predicate<ConsumerRecord<String, String>> itsWebhooks = r -> callId.equals(r.key());

            double retriesBefore = retries(WebhookEventRecorder.CHANNEL);
            DatabaseProxy.cut();
            try {
                SimulatorAdminClient.userAction(callId, "hangup"); // Meta's terminate webhook: ingress → Kafka
                // the database stays away for 5 s and until the record was retried more often than the old budget
                // allowed (then it went to the DLQ): it is still retried, and nothing reaches the DLQ
                await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).pollInSameThread()
                        .until(() -> dlq.pollMatching(itsWebhooks).isEmpty());
                await("retried past the old budget").atMost(Duration.ofSeconds(20)).pollInSameThread().until(() ->
                        retries(WebhookEventRecorder.CHANNEL) - retriesBefore > OLD_RETRY_BUDGET
                                && dlq.pollMatching(itsWebhooks).isEmpty());
                assertThat(events.pollMatching(r -> ours.test(r) && r.value().contains("dev.callgate.call.ended")))
                        .as("ended while the database was away").isEmpty();
            } finally {
                DatabaseProxy.restore();
            }

            ConsumerRecord<String, String> ended = events.await(r -> ours.test(r)
                    && r.value().contains("dev.callgate.call.ended"), 1, Duration.ofSeconds(30)).get(0);
            assertThat(CloudEvents.data(ended).path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("user_hung_up");
            assertExactlyOneEnded(events, ours);
            assertThat(Database.callEvents(callId)).containsOnlyOnce("CALL terminate");
            assertThat(dlq.drainToEnd()).filteredOn(itsWebhooks).as("webhooks dead-lettered").isEmpty();
        }
    }

    /** One ended event for the call, and still one a little later (no duplicate from a retried transaction). */
    private static void assertExactlyOneEnded(WebhookTopic events, Predicate<ConsumerRecord<String, String>> ours) {
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).pollInSameThread().until(() ->
                events.pollMatching(r -> ours.test(r) && r.value().contains("dev.callgate.call.ended")).size() == 1);
    }

    private double retries(String channel) {
        var counter = registry.find("callgate.consumer.retries").tag("channel", channel).counter();
        return counter == null ? 0 : counter.count();
    }
}
