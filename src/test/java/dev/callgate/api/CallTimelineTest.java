package dev.callgate.api;

import dev.callgate.support.Commands;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.LiveCalls;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /v1/calls/{callRef}/timeline}: a business-initiated call placed and hung up through Kafka, Meta's side
 * the simulator; its timeline holds the commands, the Cloud API effects, Meta's webhooks and the published events, in
 * the order they happened, with no webhook payload (phone numbers) in it.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class CallTimelineTest {

    @Test
    void aCallsTimelineHoldsItsCommandsEffectsWebhooksAndEventsInOrder() {
        SimulatorAdminClient.reset();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String ref = LiveCalls.place(events, 1, "timeline-").get(0);
            Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
            events.await(r -> ref.equals(r.key()) && r.value().contains("\"dev.callgate.call.ended\""), 1,
                    Duration.ofSeconds(30));

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                var response = given().get("/v1/calls/" + ref + "/timeline").then().statusCode(200).extract();
                JsonPath timeline = response.jsonPath();
                assertThat(timeline.getString("callRef")).isEqualTo(ref);
                assertThat(timeline.getString("state")).isEqualTo("ENDED");
                List<String> entries = timeline.<String>getList("entries.kind").stream().toList();
                List<String> what = timeline.getList("entries.what");
                List<String> line = new java.util.ArrayList<>();
                for (int i = 0; i < entries.size(); i++) {
                    line.add(entries.get(i) + ":" + what.get(i));
                }
                assertThat(line).as("the call's history").containsSubsequence(
                        "command:call.initiate", "transition:OFFERING", "transition:DIALING", "effect:CONNECT",
                        "webhook:connect", "transition:RINGING", "transition:ACTIVE", "event:dev.callgate.call.connected",
                        "command:call.terminate", "transition:TERMINATING", "effect:TERMINATE", "webhook:terminate",
                        "transition:ENDED", "event:dev.callgate.call.ended");
                assertThat(timeline.getString("entries.find { it.kind == 'transition' && it.what == 'TERMINATING' }"
                        + ".detail.signal")).isEqualTo("HangUp");
                assertThat(timeline.getString("entries.find { it.kind == 'transition' && it.what == 'ENDED' }"
                        + ".detail.outcome")).isEqualTo("COMPLETED");
                List<Instant> at = timeline.<String>getList("entries.at").stream().map(Instant::parse).toList();
                assertThat(at).isSorted();
                assertThat(Instant.parse(timeline.getString("entries.find { it.kind == 'transition' && it.what == "
                        + "'ENDED' }.at"))).as("the time PostgreSQL holds, to the microsecond")
                        .isEqualTo(Instant.parse(Database.column("""
                                select to_char(t.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                                from call_transitions t join calls c on c.id = t.call_id
                                where c.call_reference = ? and t.to_state = 'ENDED'""", ref).get(0)));
                assertThat(timeline.getString("entries.find { it.what == 'CONNECT' }.detail.attempts")).isEqualTo("1");
                assertThat(timeline.getString("entries.find { it.kind == 'event' && it.what == "
                        + "'dev.callgate.call.ended' }.detail.publishedAt")).isNotNull();
                assertThat(response.asString()).as("no payloads (phone numbers)").doesNotContain("wa_id", "\"from\"");
                assertThat(timeline.getString("traceId")).as("tracing off (the default): no trace").isNull();
            });
            assertThat(events.matching(r -> ref.equals(r.key())))
                    .as("tracing off: the events carry no trace context")
                    .allSatisfy(r -> assertThat(r.headers().lastHeader("traceparent")).isNull());
        }
    }

    @Test
    void anUnknownCallHasNoTimeline() {
        given().get("/v1/calls/no-such-" + UUID.randomUUID() + "/timeline").then().statusCode(404)
                .contentType("application/problem+json");
    }
}
