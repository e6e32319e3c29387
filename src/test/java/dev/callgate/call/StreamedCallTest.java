package dev.callgate.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.Reports;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * A business-initiated call whose audio is streamed to an application in Twilio's Media Streams protocol: the
 * simulator's user (a real WebRTC phone sending 660 Hz) hears what the application sends back — here an echo of the
 * user — and the application closing its socket hangs the call up (onClose hangup), terminated at Meta.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class StreamedCallTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Vertx vertx;

    private HttpServer agent;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private volatile ServerWebSocket socket;

    @BeforeEach
    void startAgent() throws Exception {
        SimulatorAdminClient.reset();
        agent = vertx.createHttpServer().requestHandler(request -> request.toWebSocket().onSuccess(ws -> {
            socket = ws;
            ws.textMessageHandler(text -> {
                try {
                    JsonNode message = JSON.readTree(text);
                    received.add(message);
                    if ("media".equals(message.path("event").asText())) { // an echo agent, written to Twilio's docs
                        ws.writeTextMessage("{\"event\":\"media\",\"streamSid\":\"" + message.path("streamSid").asText()
                                + "\",\"media\":{\"payload\":\"" + message.path("media").path("payload").asText()
                                + "\"}}");
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }));
        agent.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopAgent() throws Exception {
        agent.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void theUserHearsTheApplicationAndTheApplicationClosingHangsTheCallUp() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "neverHangUp", true, "toneHz", 660.0);
        String callRef = "streamed-" + UUID.randomUUID();
        String media = "{\"stream\":{\"url\":\"ws://127.0.0.1:" + agent.actualPort()
                + "/agent\",\"parameters\":{\"agent\":\"echo\"}}}";
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, media));
            events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call.connected"), 1,
                    Duration.ofSeconds(30));
            String callId = given().get("/v1/calls/" + callRef).then().extract().path("whatsappCallId");

            // the user hears their own voice back, through the application (μ-law 8 kHz both ways)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.levelDbfs"))
                        .isGreaterThan(-40);
                assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                        .isCloseTo(660, within(20.0));
            });
            JsonNode start = received.stream().filter(m -> "start".equals(m.path("event").asText())).findFirst()
                    .orElseThrow();
            assertThat(start.path("start").path("callSid").asText()).isEqualTo(callRef);
            assertThat(start.path("start").path("customParameters").path("agent").asText()).isEqualTo("echo");
            assertThat(start.path("start").path("mediaFormat").path("encoding").asText()).isEqualTo("audio/x-mulaw");

            socket.close(); // the application is done: onClose hangup
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1, Duration.ofSeconds(30)).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated"));
        }
    }

    @Test
    void withOnCloseContinueTheCallOutlivesItsApplication() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "neverHangUp", true, "toneHz", 660.0);
        String callRef = "continued-" + UUID.randomUUID();
        String media = "{\"stream\":{\"url\":\"ws://127.0.0.1:" + agent.actualPort() + "/agent\",\"onClose\":\"continue\"}}";
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, media));
            events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call.connected"), 1,
                    Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(10)).until(() -> socket != null && received.size() > 5);
            socket.close();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() ->
                    "ACTIVE".equals(given().get("/v1/calls/" + callRef).then().extract().path("state")));
            Commands.send(callRef, Commands.terminate(UUID.randomUUID().toString(), callRef));
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1, Duration.ofSeconds(30)).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
        }
    }

    @Test
    void anApplicationThatCannotBeReachedFailsTheCallAndLeavesNothingOpen() throws Exception {
        int closedPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "neverHangUp", true, "toneHz", 660.0);
        String callRef = "unreachable-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, "{\"stream\":{\"url\":\"ws://127.0.0.1:" + closedPort + "/agent\"}}"));
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1, Duration.ofSeconds(30)).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("FAILED");
            assertThat(ended.path("reason").asText()).isEqualTo("stream_unreachable");
            String callId = given().get("/v1/calls/" + callRef).then().extract().path("whatsappCallId");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated"));
        }
    }
}
