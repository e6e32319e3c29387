package dev.callgate.tracing;

import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.LiveCalls;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.TestSpans;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One trace per call, across both Kafka hops, with the OpenTelemetry SDK on and an in-memory exporter (Kafka,
 * PostgreSQL, the simulator and the media real). A business-initiated call continues the trace of the service that
 * sent its command ({@code traceparent} header on {@code callgate.commands}) down to the events it publishes on
 * {@code callgate.events}; a user-initiated call's trace starts at the ingress with Meta's connect webhook and runs
 * through {@code callgate.webhooks} to its events. Webhooks and commands that come later, in traces of their own, are
 * linked from the call's transitions they cause.
 */
@QuarkusTest
@TestProfile(CallTracingTest.TracingOn.class)
@WithTestResource(KafkaBroker.class)
class CallTracingTest {

    /** The SDK on (off by default), spans to {@link TestSpans}. */
    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.exporter.otlp.enabled", "false");
        }
    }

    static final String AUTO = "106540352242933";
    static final AttributeKey<String> STATE_TO = AttributeKey.stringKey("callgate.state.to");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("callgate.effect.attempt");

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    @Test
    void aBusinessInitiatedCallIsOneTraceFromTheCommandToItsEvents() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "neverHangUp", true, "toneHz", 660.0);
        String callRef = "traced-bic-" + UUID.randomUUID();
        String upstreamTrace = hex(16);
        String upstreamSpan = hex(8);
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            sendCommand(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, "{\"tone\":1000}"), "00-" + upstreamTrace + "-" + upstreamSpan + "-01");
            events.await(r -> callRef.equals(r.key()) && r.value().contains("\"dev.callgate.call.connected\""), 1,
                    Duration.ofSeconds(60));
            // the hang-up comes in a trace of its own (no traceparent): linked, its transition in the call's trace
            Commands.send(callRef, Commands.terminate("end-" + UUID.randomUUID(), callRef));
            events.await(r -> callRef.equals(r.key()) && r.value().contains("\"dev.callgate.call.ended\""), 1,
                    Duration.ofSeconds(30));

            List<ConsumerRecord<String, String>> published = events.matching(r -> callRef.equals(r.key()));
            assertThat(CloudEvents.callTypes(published)).contains("ringing", "accepted", "connected", "ended");
            assertThat(published).as("every event continues the command's trace (downstream consumers can too)")
                    .allSatisfy(r -> assertThat(traceIdOf(r)).isEqualTo(upstreamTrace));

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<SpanData> trace = TestSpans.of(upstreamTrace);
                SpanData received = one(trace, s -> s.getKind() == SpanKind.CONSUMER
                        && s.getName().startsWith("callgate.commands"), "the command's receive span");
                assertThat(received.getParentSpanId()).as("child of the sender's span").isEqualTo(upstreamSpan);
                assertThat(names(trace)).contains("media offer", "graph connect", "media apply-answer",
                        "graph terminate", "callgate.events publish");
                assertThat(statesReached(trace)).contains("RINGING", "ACTIVE", "TERMINATING", "ENDED");
                assertThat(trace).filteredOn(s -> s.getName().equals("callgate.events publish"))
                        .hasSizeGreaterThanOrEqualTo(published.size())
                        .allSatisfy(s -> assertThat(byId(trace, s.getParentSpanId()).getName())
                                .as("an event's span is under the transition that wrote it").startsWith("transition "));
                assertThat(trace).filteredOn(s -> callRef.equals(s.getAttributes().get(CallTracing.CALL_REF)))
                        .as("the call's spans name it").isNotEmpty();

                // the user's pick-up came as Meta's webhook: its own trace through the ingress and callgate.webhooks,
                // linked from the transition to ACTIVE
                SpanData active = one(trace, s -> s.getName().equals("transition Accepted"),
                        "the transition to ACTIVE");
                assertThat(active.getAttributes().get(STATE_TO)).isEqualTo("ACTIVE");
                assertThat(active.getLinks()).as("linked to the webhook's trace").hasSize(1);
                assertWebhookTrace(active.getLinks().get(0));

                SpanData terminating = one(trace, s -> s.getName().equals("transition HangUp"),
                        "the hang-up's transition");
                assertThat(terminating.getLinks()).as("linked to the hang-up command's own trace").hasSize(1);
                String commandTrace = terminating.getLinks().get(0).getSpanContext().getTraceId();
                assertThat(TestSpans.of(commandTrace)).anySatisfy(s -> assertThat(s.getKind())
                        .isEqualTo(SpanKind.CONSUMER));
            });
            var timeline = given().get("/v1/calls/" + callRef + "/timeline").then().statusCode(200)
                    .body("traceId", org.hamcrest.Matchers.equalTo(upstreamTrace)).extract().jsonPath();
            List<String> transitionSpans = timeline.getList("entries.findAll { it.kind == 'transition' }.detail.spanId");
            assertThat(transitionSpans).as("each transition in the timeline names its span in the call's trace")
                    .isNotEmpty().doesNotContainNull()
                    .isSubsetOf(TestSpans.of(upstreamTrace).stream().filter(s -> s.getName().startsWith("transition "))
                            .map(SpanData::getSpanId).toList());
        }
    }

    @Test
    void aUserInitiatedCallIsOneTraceFromTheIngressToItsEvents() {
        String user = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(user, AUTO, 660.0, 2000L);
            ConsumerRecord<String, String> incoming = events.await(r -> callId.equals(r.key())
                    && r.value().contains("\"dev.callgate.call.incoming\""), 1, Duration.ofSeconds(30)).get(0);
            events.await(r -> callId.equals(r.key()) && r.value().contains("\"dev.callgate.call.ended\""), 1,
                    Duration.ofSeconds(60));
            String traceId = traceIdOf(incoming);
            assertThat(traceId).as("the incoming event carries the call's trace").isNotNull();
            assertThat(events.matching(r -> callId.equals(r.key())))
                    .allSatisfy(r -> assertThat(traceIdOf(r)).isEqualTo(traceId));

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<SpanData> trace = TestSpans.of(traceId);
                SpanData root = one(trace, s -> s.getKind() == SpanKind.SERVER && String.valueOf(s.getAttributes()
                        .get(AttributeKey.stringKey("url.path"))).equals("/webhooks/whatsapp"), "the ingress's request span");
                assertThat(root.getParentSpanContext().isValid()).as("Meta sends no trace: the ingress starts it")
                        .isFalse();
                SpanData publish = one(trace, s -> s.getName().equals("callgate.webhooks publish"),
                        "the connect's record to callgate.webhooks");
                assertThat(publish.getParentSpanId()).isEqualTo(root.getSpanId());
                SpanData received = one(trace, s -> s.getKind() == SpanKind.CONSUMER
                        && s.getName().startsWith("callgate.webhooks"), "the connect's receive span");
                assertThat(received.getParentSpanId()).as("continued from the record's header")
                        .isEqualTo(publish.getSpanId());
                assertThat(names(trace)).contains("media answer", "graph pre_accept", "graph accept",
                        "callgate.events publish");
                assertThat(statesReached(trace)).contains("INCOMING", "ACTIVE", "ENDED");
                assertThat(trace).filteredOn(s -> callId.equals(s.getAttributes().get(CallTracing.WHATSAPP_CALL_ID)))
                        .isNotEmpty();
            });
        }
    }

    @Test
    void aGraphRequestMetaRefusedIsAFailedSpanWithMetasErrorCode() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.fault("connect", 400, 138006, 0, 1); // the user has not given permission
        String callRef = "traced-refused-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, null));
            ConsumerRecord<String, String> ended = events.await(r -> callRef.equals(r.key())
                    && r.value().contains("\"dev.callgate.call.ended\""), 1, Duration.ofSeconds(30)).get(0);
            assertThat(CloudEvents.data(ended).path("errorCode").asInt()).isEqualTo(138006);
            String traceId = traceIdOf(ended);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<SpanData> trace = TestSpans.of(traceId);
                SpanData connect = one(trace, s -> s.getName().equals("graph connect"), "the connect's span");
                assertThat(connect.getAttributes().get(CallTracing.GRAPH_ERROR_CODE)).isEqualTo(138006L);
                assertThat(connect.getStatus().getStatusCode())
                        .isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
                assertThat(statesReached(trace)).contains("ENDED");
            });
        }
    }

    @Test
    void aGraphRequestRetriedAfterMetaFailedIsOneSpanPerAttemptInTheCallsTrace() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callRef = LiveCalls.place(events, 1, "traced-retried-").get(0);
            // Meta answers 503 five times: the client's own tries (1 + 3) fail the effect's first attempt, the
            // effect's second attempt gets through after one more
            SimulatorAdminClient.fault("terminate", 503, 131000, 0, 5);
            Commands.send(callRef, Commands.terminate("end-" + UUID.randomUUID(), callRef));
            ConsumerRecord<String, String> ended = events.await(r -> callRef.equals(r.key())
                    && r.value().contains("\"dev.callgate.call.ended\""), 1, Duration.ofSeconds(60)).get(0);
            String traceId = traceIdOf(ended);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<SpanData> terminates = TestSpans.of(traceId).stream()
                        .filter(s -> s.getName().equals("graph terminate"))
                        .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
                assertThat(terminates).extracting(s -> s.getAttributes().get(ATTEMPT)).containsExactly(1L, 2L);
                assertThat(terminates.get(0).getStatus().getStatusCode())
                        .isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
                assertThat(terminates.get(0).getAttributes().get(CallTracing.GRAPH_ERROR_CODE)).isEqualTo(131000L);
                assertThat(terminates.get(1).getStatus().getStatusCode())
                        .isNotEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
                assertThat(terminates.get(1).getAttributes().get(CallTracing.GRAPH_ERROR_CODE)).isNull();
            });
            assertThat(SimulatorAdminClient.call(CloudEvents.data(ended).path("whatsappCallId").asText()).getString("state"))
                    .isEqualTo("ended");
        }
    }

    /** A webhook's own trace: the ingress's request, its record's producer span, the consumer's receive span. */
    static void assertWebhookTrace(LinkData link) {
        List<SpanData> webhook = TestSpans.of(link.getSpanContext().getTraceId());
        assertThat(webhook).extracting(SpanData::getKind)
                .contains(SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER);
        assertThat(names(webhook)).contains("callgate.webhooks publish");
        assertThat(webhook).extracting(SpanData::getSpanId).as("the link names the consumer's span")
                .contains(link.getSpanContext().getSpanId());
    }

    private static List<String> names(List<SpanData> spans) {
        return spans.stream().map(SpanData::getName).toList();
    }

    private static List<String> statesReached(List<SpanData> spans) {
        return spans.stream().map(s -> s.getAttributes().get(STATE_TO)).filter(java.util.Objects::nonNull).toList();
    }

    private static SpanData one(List<SpanData> spans, java.util.function.Predicate<SpanData> which, String what) {
        List<SpanData> found = spans.stream().filter(which).toList();
        assertThat(found).as(what + " among " + describe(spans)).hasSize(1);
        return found.get(0);
    }

    static SpanData byId(List<SpanData> spans, String spanId) {
        return spans.stream().filter(s -> s.getSpanId().equals(spanId)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + spanId + " among " + describe(spans)));
    }

    private static String describe(List<SpanData> spans) {
        return spans.stream().map(s -> s.getKind() + " " + s.getName() + " " + s.getAttributes().asMap())
                .collect(Collectors.joining("\n  ", "\n  ", ""));
    }

    static String traceIdOf(ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader("traceparent");
        return header == null ? null : TraceParent.traceId(new String(header.value(), StandardCharsets.US_ASCII));
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never all zeros
        return HexFormat.of().formatHex(random);
    }

    private static void sendCommand(String key, String json, String traceparent) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            ProducerRecord<String, String> record = new ProducerRecord<>("callgate.commands", key, json);
            record.headers().add("traceparent", traceparent.getBytes(StandardCharsets.US_ASCII));
            producer.send(record).get(10, TimeUnit.SECONDS);
        }
    }
}
