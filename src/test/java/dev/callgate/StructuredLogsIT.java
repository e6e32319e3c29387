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

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged application as it runs in production: JSON log lines, each naming the instance; the lines of a call's
 * work name it by call reference and WhatsApp call id and carry its trace id; the user's phone number on none of them.
 * Tracing is turned on the standard way ({@code OTEL_SDK_DISABLED=false}; the exporter's collector is absent, which
 * must not matter) and the call's events carry its trace on.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class)
@WithTestResource(KafkaBroker.class)
class StructuredLogsIT {

    @Test
    void aCallsLogLinesAreJsonNamingTheCallItsTraceAndTheInstanceButNotTheUsersNumber() throws Exception {
        SimulatorAdminClient.reset();
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "neverHangUp", true, "toneHz", 660.0);
        String callRef = "logs-" + UUID.randomUUID();
        try (ServiceProcess service = new ServiceProcess("logs-it", 18098, 8081, Map.of(
                "OTEL_SDK_DISABLED", "false", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"));
             WebhookTopic events = new WebhookTopic("callgate.events")) {
            service.start();
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, "{\"tone\":1000}"));
            ConsumerRecord<String, String> connected = events.await(r -> callRef.equals(r.key())
                    && r.value().contains("\"dev.callgate.call.connected\""), 1, Duration.ofSeconds(60)).get(0);
            String callId = CloudEvents.data(connected).path("whatsappCallId").asText();
            Commands.send(callRef, Commands.terminate("end-" + UUID.randomUUID(), callRef));
            events.await(r -> callRef.equals(r.key()) && r.value().contains("\"dev.callgate.call.ended\""), 1,
                    Duration.ofSeconds(30));
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
}
