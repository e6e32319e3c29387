package dev.callgate.tracing;

import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.DatabaseProxy;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.LiveCalls;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.TestSpans;
import dev.callgate.support.WebhookTopic;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import static dev.callgate.tracing.CallTracingTest.STATE_TO;
import static dev.callgate.tracing.CallTracingTest.byId;
import static dev.callgate.tracing.CallTracingTest.traceIdOf;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing on while a part is away, and each call's trace comes out whole.
 * <p>PostgreSQL (the TCP proxy of {@code DatabaseOutageTest}): a hang-up command that arrives during the outage is
 * retried until the database is back — one transition to TERMINATING (the failed tries made none of their own),
 * linked to the command's own trace, the Graph terminate in the call's trace, the call ended, and every event the
 * call published, those written after the outage too, carrying the call's trace (read back from its row).
 * <p>The broker (stopped in this JVM): a call hung up over REST while Kafka is down — its events wait in the outbox
 * and Meta's terminate webhook is refused with 503 — is published in its trace once the broker is back: every
 * event's record names a publish span of the call's trace under the transition that wrote it, and the transition
 * to ENDED is linked to the trace of the webhook delivery that got through.
 */
@QuarkusTest
@TestProfile(CallTracingTest.TracingOn.class)
@WithTestResource(KafkaBroker.class)
@WithTestResource(DatabaseProxy.class)
class TracingUnderOutageTest {

    @Test
    void aHangUpRetriedThroughADatabaseOutageLeavesTheCallsTraceWhole() {
        SimulatorAdminClient.reset();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callRef = LiveCalls.place(events, 1, "traced-outage-").get(0);
            Predicate<ConsumerRecord<String, String>> ours = r -> callRef.equals(r.key());
            String traceId = traceIdOf(events.matching(r -> ours.test(r)
                    && r.value().contains("\"dev.callgate.call.connected\"")).get(0));
            assertThat(traceId).isNotNull();

            DatabaseProxy.cut();
            try {
                Commands.send(callRef, Commands.terminate("end-" + UUID.randomUUID(), callRef));
                // the database stays away for 4 s: the hang-up cannot be applied meanwhile
                await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).pollInSameThread().until(() ->
                        events.pollMatching(r -> ours.test(r) && r.value().contains("dev.callgate.call.ended"))
                                .isEmpty());
            } finally {
                DatabaseProxy.restore();
            }
            ConsumerRecord<String, String> ended = events.await(r -> ours.test(r)
                    && r.value().contains("\"dev.callgate.call.ended\""), 1, Duration.ofSeconds(30)).get(0);
            assertThat(CloudEvents.data(ended).path("outcome").asText()).isEqualTo("COMPLETED");
            assertThat(events.matching(ours)).as("every event of the call, before and after the outage")
                    .isNotEmpty().allSatisfy(r -> assertThat(traceIdOf(r)).isEqualTo(traceId));

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<SpanData> trace = TestSpans.of(traceId);
                List<SpanData> hangUps = trace.stream().filter(s -> s.getName().equals("transition HangUp")).toList();
                assertThat(hangUps).as("one transition for the hang-up, however often it was tried").hasSize(1);
                assertThat(hangUps.get(0).getAttributes().get(STATE_TO)).isEqualTo("TERMINATING");
                assertThat(hangUps.get(0).getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
                assertThat(hangUps.get(0).getLinks()).as("linked to the command's own trace").hasSize(1);
                assertThat(trace).filteredOn(s -> s.getName().equals("graph terminate")).isNotEmpty()
                        .last().satisfies(s -> assertThat(s.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR));
                assertThat(trace).extracting(s -> s.getAttributes().get(STATE_TO)).contains("ENDED");
            });
        }
    }

    @Test
    void aCallHungUpWhileTheBrokerIsAwayIsPublishedInItsTraceOnceItIsBack() throws Exception {
        SimulatorAdminClient.reset();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callRef = LiveCalls.place(events, 1, "traced-broker-").get(0);
            Predicate<ConsumerRecord<String, String>> ours = r -> callRef.equals(r.key());
            String traceId = traceIdOf(events.matching(r -> ours.test(r)
                    && r.value().contains("\"dev.callgate.call.connected\"")).get(0));
            assertThat(traceId).isNotNull();

            long refusedBefore = refusedWebhooks();
            KafkaBroker.stopBroker();
            try {
                given().delete("/v1/calls/" + callRef).then().statusCode(202);
                // Meta's terminate webhook reaches an ingress that cannot publish it: 503, and Meta retries later
                await().atMost(Duration.ofSeconds(30)).until(() -> refusedWebhooks() > refusedBefore);
            } finally {
                KafkaBroker.restartBroker();
            }
            ConsumerRecord<String, String> ended = events.await(r -> ours.test(r)
                    && r.value().contains("\"dev.callgate.call.ended\""), 1, Duration.ofSeconds(60)).get(0);
            assertThat(CloudEvents.data(ended).path("outcome").asText()).isEqualTo("COMPLETED");
            List<ConsumerRecord<String, String>> published = events.matching(ours);
            assertThat(published).as("every event of the call, those held in the outbox too")
                    .allSatisfy(r -> assertThat(traceIdOf(r)).isEqualTo(traceId));

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<SpanData> trace = TestSpans.of(traceId);
                for (ConsumerRecord<String, String> record : published) {
                    String spanId = TraceParent.spanContext(new String(record.headers().lastHeader("traceparent")
                            .value(), StandardCharsets.US_ASCII)).getSpanId();
                    SpanData publish = byId(trace, spanId);
                    assertThat(publish.getName()).isEqualTo("callgate.events publish");
                    assertThat(publish.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
                    assertThat(byId(trace, publish.getParentSpanId()).getName())
                            .as("an event's span is under the transition that wrote it").startsWith("transition ");
                }
                List<SpanData> hangUps = trace.stream().filter(s -> s.getName().equals("transition HangUp")).toList();
                assertThat(hangUps).hasSize(1);
                assertThat(hangUps.get(0).getAttributes().get(STATE_TO)).isEqualTo("TERMINATING");
                List<SpanData> endings = trace.stream().filter(s -> "ENDED".equals(s.getAttributes().get(STATE_TO)))
                        .toList();
                assertThat(endings).as("one transition to ENDED, however often Meta sent its webhook").hasSize(1);
                assertThat(endings.get(0).getLinks()).as("linked to the webhook delivery that got through")
                        .singleElement().satisfies(CallTracingTest::assertWebhookTrace);
            });
        }
    }

    /** The ingress's request spans for Meta's webhooks that it answered 503 (it could not publish them). */
    private static long refusedWebhooks() {
        return TestSpans.EXPORTER.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER
                        && "/webhooks/whatsapp".equals(s.getAttributes().get(AttributeKey.stringKey("url.path")))
                        && Long.valueOf(503).equals(s.getAttributes().get(AttributeKey.longKey(
                                "http.response.status_code"))))
                .count();
    }
}
