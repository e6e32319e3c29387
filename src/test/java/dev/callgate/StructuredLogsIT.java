package dev.callgate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.IngressAndSimulatorOnly;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.ServiceProcess;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged application as it runs in production: JSON log lines, each naming the instance; the lines of a call's
 * work name it by call reference and WhatsApp call id and carry its trace id; the user's phone number on none of them.
 * Tracing is turned on the standard way ({@code OTEL_SDK_DISABLED=false}; the exporter's collector is absent, which
 * must not matter) and the call's events carry its trace on. With a collector there (an OTLP/HTTP receiver in the
 * test), the call's spans reach it as configured by the standard {@code OTEL_*} variables alone.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class)
@WithTestResource(KafkaBroker.class)
class StructuredLogsIT {

    /** A business call's connected and ended events. */
    private record PlacedCall(ConsumerRecord<String, String> connected, ConsumerRecord<String, String> ended) {
    }

    /** A business call to {@code user} placed through the service, answered, then hung up by a command. */
    private static PlacedCall placeAndHangUp(WebhookTopic events, String callRef, String user) {
        Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                user, "{\"tone\":1000}"));
        ConsumerRecord<String, String> connected = events.await(r -> callRef.equals(r.key())
                && r.value().contains("\"dev.callgate.call.connected\""), 1, Duration.ofSeconds(60)).get(0);
        Commands.send(callRef, Commands.terminate("end-" + UUID.randomUUID(), callRef));
        ConsumerRecord<String, String> ended = events.await(r -> callRef.equals(r.key())
                && r.value().contains("\"dev.callgate.call.ended\""), 1, Duration.ofSeconds(30)).get(0);
        return new PlacedCall(connected, ended);
    }

    /** A user the simulator answers at once and who never hangs up. */
    private static String answeringUser() {
        SimulatorAdminClient.reset();
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "neverHangUp", true, "toneHz", 660.0);
        return user;
    }

    @Test
    void aCallsLogLinesAreJsonNamingTheCallItsTraceAndTheInstanceButNotTheUsersNumber() throws Exception {
        String user = answeringUser();
        String callRef = "logs-" + UUID.randomUUID();
        try (ServiceProcess service = new ServiceProcess("logs-it", 18098, 8081, Map.of(
                "OTEL_SDK_DISABLED", "false", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"));
             WebhookTopic events = new WebhookTopic("callgate.events")) {
            service.start();
            ConsumerRecord<String, String> connected = placeAndHangUp(events, callRef, user).connected();
            String callId = CloudEvents.data(connected).path("whatsappCallId").asText();
            assertThat(connected.headers().lastHeader("traceparent")).as("tracing on: the event carries the trace")
                    .isNotNull();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<JsonNode> lines = service.logLines().stream().filter(l -> !l.has("line")).toList();
                assertThat(service.logLines()).filteredOn(l -> l.has("line"))
                        .as("nothing but JSON after the start marker")
                        .allSatisfy(l -> assertThat(l.path("line").asText()).startsWith("==== start"));
                assertThat(lines).isNotEmpty().allSatisfy(l -> {
                    assertThat(l.path("instance").asText()).isEqualTo("logs-it");
                    assertThat(l.toString()).as("no user's phone number in any line").doesNotContain(user);
                });
                List<JsonNode> about = lines.stream().filter(l -> l.path("message").asText().contains(callRef)
                        && l.path("message").asText().contains(" → ")).toList();
                assertThat(about).as("the call's transitions").hasSizeGreaterThanOrEqualTo(4);
                assertThat(about).allSatisfy(l -> {
                    assertThat(l.path("mdc").path("callRef").asText()).isEqualTo(callRef);
                    assertThat(l.path("mdc").path("traceId").asText()).matches("[0-9a-f]{32}");
                });
                assertThat(about).filteredOn(l -> l.path("message").asText().contains(callId))
                        .isNotEmpty()
                        .allSatisfy(l -> assertThat(l.path("mdc").path("whatsappCallId").asText()).isEqualTo(callId));
                assertThat(about.stream().map(l -> l.path("mdc").path("traceId").asText()).distinct())
                        .as("one trace for the call").hasSize(1);
                assertThat(lines).as("the connect, logged, names the user by the end of the number only")
                        .anySatisfy(l -> assertThat(l.path("message").asText())
                                .contains("connect sent").contains("…" + user.substring(user.length() - 4)));
            });
        }
    }

    /** One OTLP/HTTP export request the collector received. */
    private record Export(String contentType, String authorization, byte[] body) {

        boolean holds(byte[] bytes) {
            for (int i = 0; i + bytes.length <= body.length; i++) {
                if (java.util.Arrays.equals(body, i, i + bytes.length, bytes, 0, bytes.length)) {
                    return true;
                }
            }
            return false;
        }

        boolean holds(String text) {
            return holds(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aCallsSpansReachTheOtlpCollectorTheStandardVariablesName() throws Exception {
        String user = answeringUser();
        String callRef = "otlp-" + UUID.randomUUID();
        List<Export> exports = new CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer collector = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    try (GZIPInputStream gunzip = new GZIPInputStream(new ByteArrayInputStream(body))) {
                        body = gunzip.readAllBytes();
                    }
                }
                exports.add(new Export(exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("Authorization"), body));
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse: all taken
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        collector.start();
        try (ServiceProcess service = new ServiceProcess("otlp-it", 18099, 8081, Map.of(
                "OTEL_SDK_DISABLED", "false",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort(),
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer collector-token",
                "OTEL_SERVICE_NAME", "callgate-otlp-it",
                "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=otlp-it"));
             WebhookTopic events = new WebhookTopic("callgate.events")) {
            service.start();
            ConsumerRecord<String, String> ended = placeAndHangUp(events, callRef, user).ended();
            String traceId = dev.callgate.tracing.TraceParent.traceId(
                    new String(ended.headers().lastHeader("traceparent").value(), StandardCharsets.US_ASCII));
            assertThat(traceId).as("the ended event's traceparent").isNotNull();
            byte[] traceIdBytes = HexFormat.of().parseHex(traceId);

            // the batch processor exports every few seconds; the call's spans, by its trace id and its reference
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(exports).as("export requests at the collector").isNotEmpty();
                assertThat(exports).allSatisfy(e -> {
                    assertThat(e.contentType()).isEqualTo("application/x-protobuf");
                    assertThat(e.authorization()).as("OTEL_EXPORTER_OTLP_HEADERS").isEqualTo("Bearer collector-token");
                    assertThat(e.holds("callgate-otlp-it")).as("OTEL_SERVICE_NAME").isTrue();
                    assertThat(e.holds("otlp-it")).as("OTEL_RESOURCE_ATTRIBUTES").isTrue();
                });
                List<Export> ofTheCall = exports.stream().filter(e -> e.holds(traceIdBytes)).toList();
                assertThat(ofTheCall).as("exports holding the call's trace").isNotEmpty();
                for (String span : List.of("transition Initiate", "graph connect", "media offer", "transition HangUp",
                        "graph terminate", "callgate.events publish", callRef)) {
                    assertThat(ofTheCall).as(span).anySatisfy(e -> assertThat(e.holds(span)).isTrue());
                }
            });
        } finally {
            collector.stop(0);
        }
    }
}
