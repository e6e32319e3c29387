package dev.callgate.call;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.LiveCalls;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A call through the simulator (a real libwebrtc phone on loopback) is sampled for quality while Callgate holds its
 * media (every second in tests): the sample reaches the call row and {@code GET /v1/calls/{ref}}, the metrics, and the
 * {@code ended} event; the final sample, taken as the media closes, stays on the row after the call ended.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class CallQualityTelemetryTest {

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    static JsonPath view(String callRef) {
        return given().get("/v1/calls/" + callRef).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aLiveCallsQualityReachesTheRowTheViewTheMetricsAndTheEndedEvent() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callRef = LiveCalls.place(events, 1, "quality-").get(0);

            // loopback: nothing lost, a MOS near the model's ceiling, packets counted
            long[] firstReceived = new long[1];
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                JsonPath v = view(callRef);
                assertThat(v.getMap("quality")).as("a quality sample on the call").isNotNull();
                // a sample taken before the first packet arrived says nothing of loss or MOS (null): wait for one
                assertThat((Object) v.get("quality.mos")).as("a sample with packets").isNotNull();
                assertThat(v.getDouble("quality.mos")).isGreaterThan(3.5).isLessThanOrEqualTo(4.5);
                assertThat(v.getDouble("quality.packetLoss")).isLessThan(0.01);
                assertThat(v.getDouble("quality.jitterMs")).isBetween(0.0, 60.0);
                assertThat(v.getLong("quality.packetsReceived")).isPositive();
                assertThat(v.getLong("quality.packetsSent")).isPositive();
                assertThat(v.getString("quality.sampledAt")).isNotNull();
                firstReceived[0] = v.getLong("quality.packetsReceived");
            });
            // the counters move with the next samples, and an interval gives the bitrates both ways
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                JsonPath v = view(callRef);
                assertThat(v.getLong("quality.packetsReceived")).isGreaterThan(firstReceived[0]);
                assertThat((Object) v.get("quality.inboundKbps")).as("an interval's bitrate").isNotNull();
                assertThat(v.getDouble("quality.inboundKbps")).isBetween(5.0, 200.0);
                assertThat(v.getDouble("quality.outboundKbps")).isBetween(5.0, 200.0);
            });
            JsonPath live = view(callRef);
            assertThat(live.getMap("quality")).containsKeys("mos", "packetLoss", "jitterMs", "rttMs", "inboundKbps",
                    "outboundKbps", "sampledAt");

            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metrics).contains("callgate_call_quality_mos_count", "callgate_call_quality_packet_loss_count",
                    "callgate_call_quality_jitter_ms_count", "callgate_call_quality_inbound_kbps_count");
            assertThat(metrics).doesNotContain("callgate_call_quality_mos_count{callRef");

            Commands.send(callRef, Commands.terminate(UUID.randomUUID().toString(), callRef));
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("\"dev.callgate.call.ended\""), 1, Duration.ofSeconds(30)).get(0));
            JsonNode quality = ended.path("quality");
            assertThat(quality.isObject()).as("the ended event carries quality: %s", ended).isTrue();
            assertThat(quality.path("mos").asDouble()).isGreaterThan(3.5);
            assertThat(quality.path("packetLoss").asDouble()).isLessThan(0.01);
            assertThat(quality.path("packetsReceived").asLong()).isGreaterThanOrEqualTo(firstReceived[0]);
            assertThat(quality.has("rttMs")).isTrue();
            Instant inEvent = Instant.parse(quality.path("sampledAt").asText());

            // after the end the row keeps its last sample: the final one taken as the media closed, or the one before
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonPath v = view(callRef);
                assertThat(v.getString("state")).isEqualTo("ENDED");
                assertThat(v.getDouble("quality.mos")).isGreaterThan(3.5);
                assertThat(Instant.parse(v.getString("quality.sampledAt"))).isAfterOrEqualTo(inEvent);
            });
        }
    }
}
