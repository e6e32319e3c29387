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

    /** The number whose incoming calls go to the agent on {@link #AGENT_PORT} (test profile, native 24 kHz). */
    static final String AGENT_NUMBER = "106540352242944";
    static final int AGENT_PORT = 18599;
    private static final dev.callgate.stream.StreamSignature SIGNATURE =
            new dev.callgate.stream.StreamSignature("test-stream-secret");

    private HttpServer agent;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final List<String> upgrades = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger binaryFrames = new java.util.concurrent.atomic.AtomicInteger();
    private volatile ServerWebSocket socket;

    @BeforeEach
    void startAgent() throws Exception {
        SimulatorAdminClient.reset();
        // an agent that checks the upgrade's signature the way docs/streams.md says, and echoes what it hears
        agent = vertx.createHttpServer().requestHandler(request -> {
            String url = "ws://127.0.0.1:" + AGENT_PORT + request.uri();
            if (!SIGNATURE.verify(request.getHeader("X-Callgate-Signature"), url,
                    java.time.Instant.now().getEpochSecond(), 300)) {
                request.response().setStatusCode(401).end();
                return;
            }
            upgrades.add(request.uri() + " " + request.getHeader("Authorization"));
            request.toWebSocket().onSuccess(ws -> {
            socket = ws;
            ws.binaryMessageHandler(data -> { // native: 16-bit PCM, echoed
                binaryFrames.incrementAndGet();
                ws.writeBinaryMessage(data);
            });
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
            });
        });
        agent.listen(AGENT_PORT, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
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
        String media = "{\"record\":true,\"stream\":{\"url\":\"ws://127.0.0.1:" + agent.actualPort()
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

            // a second of the call streamed (50 frames of 20 ms reached the application) before it hangs up, so the
            // recording checked below has more than its half second to hold, however fast the user was heard
            await().atMost(Duration.ofSeconds(10)).until(() -> received.stream()
                    .filter(m -> "media".equals(m.path("event").asText())).count() >= 50);
            socket.close(); // the application is done: onClose hangup
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1, Duration.ofSeconds(30)).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated"));
            // the recording kept working beside the stream: it holds the user's 660 Hz
            await().atMost(Duration.ofSeconds(5)).until(() -> given().get(ended.path("recording").asText()).then()
                    .extract().asByteArray().length > 48_000);
            byte[] wav = given().get(ended.path("recording").asText()).then().statusCode(200).extract().asByteArray();
            dev.callgate.media.AudioMeter meter = new dev.callgate.media.AudioMeter();
            for (int offset = 44; offset + 960 <= wav.length; offset += 960) {
                meter.accept(java.util.Arrays.copyOfRange(wav, offset, offset + 960), 16, 48000, 1, 480);
            }
            assertThat(meter.snapshot().dominantHz()).isCloseTo(660, within(15.0));
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

    @Test
    void aVoiceAgentAnswersEveryCallOfItsNumberInWidebandAndItsHangupEndsTheCall() {
        String user = Webhooks.newBsuidUser(); // known only by BSUID
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(user, AGENT_NUMBER, 660.0, null);
            events.await(r -> callId.equals(r.key()) && r.value().contains("dev.callgate.call.connected"), 1,
                    Duration.ofSeconds(30));
            // the caller hears themselves back through the agent: 24 kHz PCM both ways
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.levelDbfs"))
                        .isGreaterThan(-40);
                assertThat(Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                        .isCloseTo(660, within(20.0));
            });
            assertThat(binaryFrames.get()).isPositive();
            assertThat(upgrades).containsExactly("/native?tenant=t1 Bearer agent-token");
            JsonNode start = received.get(0);
            assertThat(start.path("event").asText()).isEqualTo("start");
            assertThat(start.path("call").path("callRef").asText()).isEqualTo(callId);
            assertThat(start.path("call").path("whatsappCallId").asText()).isEqualTo(callId);
            assertThat(start.path("call").path("direction").asText()).isEqualTo("USER_INITIATED");
            assertThat(start.path("call").path("phoneNumberId").asText()).isEqualTo(AGENT_NUMBER);
            assertThat(start.path("call").path("user").path("bsuid").asText()).isEqualTo(user);
            assertThat(start.path("call").path("user").has("phone")).as("Meta withheld the number").isFalse();
            assertThat(start.path("parameters").path("agent").asText()).isEqualTo("receptionist");
            assertThat(start.path("format").path("sampleRate").asInt()).isEqualTo(24000);
            JsonNode started = CloudEvents.data(events.await(r -> callId.equals(r.key())
                    && r.value().contains("dev.callgate.call.stream.started"), 1, Duration.ofSeconds(10)).get(0));
            assertThat(started.path("stream").path("streamId").asText()).isEqualTo(start.path("streamId").asText());
            assertThat(started.path("stream").path("url").asText()).isEqualTo("ws://127.0.0.1:" + AGENT_PORT + "/native")
                    .as("no query in events");
            assertThat(started.path("stream").path("protocol").asText()).isEqualTo("native");

            socket.writeTextMessage("{\"event\":\"hangup\"}"); // the agent is done with the caller
            JsonNode ended = CloudEvents.data(events.await(r -> callId.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1, Duration.ofSeconds(30)).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("COMPLETED");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated"));
            await().atMost(Duration.ofSeconds(10)).until(() -> received.stream()
                    .anyMatch(m -> "stop".equals(m.path("event").asText())));
            JsonNode stopped = CloudEvents.data(events.await(r -> callId.equals(r.key())
                    && r.value().contains("dev.callgate.call.stream.stopped"), 1, Duration.ofSeconds(10)).get(0));
            assertThat(stopped.path("stream").path("reason").asText()).isEqualTo("call_ended");
        }
    }

    @Test
    void aStreamStartsMidCallAndStopsWhileTheCallGoesOn() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 300, "neverHangUp", true, "toneHz", 660.0);
        String callRef = "midcall-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, "{\"tone\":1000}"));
            events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call.connected"), 1,
                    Duration.ofSeconds(30));
            String callId = given().get("/v1/calls/" + callRef).then().extract().path("whatsappCallId");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                    .isCloseTo(1000, within(20.0)));

            // a bad spec is a 400 naming the problem; a good one a 202, and the agent takes over from the tone
            given().contentType("application/json").body("{\"url\":\"http://agent\"}")
                    .post("/v1/calls/" + callRef + "/stream").then().statusCode(400)
                    .body("detail", org.hamcrest.Matchers.containsString("ws:// or wss://"));
            given().contentType("application/json").body("{\"url\":\"ws://127.0.0.1:" + AGENT_PORT + "/twilio\"}")
                    .post("/v1/calls/" + callRef + "/stream").then().statusCode(202);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                    .isCloseTo(660, within(20.0)));
            events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call.stream.started"), 1,
                    Duration.ofSeconds(10));
            given().get("/v1/calls/" + callRef).then()
                    .body("stream.url", org.hamcrest.Matchers.equalTo("ws://127.0.0.1:" + AGENT_PORT + "/twilio"))
                    .body("stream.protocol", org.hamcrest.Matchers.equalTo("twilio"));
            // another agent takes over: the first stream ends (replaced), the second starts
            given().contentType("application/json").body("{\"url\":\"ws://127.0.0.1:" + AGENT_PORT + "/second\"}")
                    .post("/v1/calls/" + callRef + "/stream").then().statusCode(202);
            JsonNode replaced = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.stream.stopped"), 1, Duration.ofSeconds(10)).get(0));
            assertThat(replaced.path("stream").path("reason").asText()).isEqualTo("replaced");
            assertThat(CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.stream.started"), 2, Duration.ofSeconds(10)).get(1))
                    .path("stream").path("url").asText()).endsWith("/second");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    Reports.number(SimulatorAdminClient.call(callId), "phone.received.dominantHz"))
                    .isCloseTo(660, within(20.0)));

            // stopped by command: the agent gets its stop, the call goes on in silence
            Commands.send(callRef, "{\"type\":\"call.stream.stop\",\"commandId\":\"" + UUID.randomUUID()
                    + "\",\"callRef\":\"" + callRef + "\"}");
            JsonNode stopped = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.stream.stopped"), 2, Duration.ofSeconds(10)).get(1));
            assertThat(stopped.path("stream").path("reason").asText()).isEqualTo("stopped");
            assertThat(received.stream().anyMatch(m -> "stop".equals(m.path("event").asText()))).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    Reports.number(SimulatorAdminClient.call(callId), "phone.received.levelDbfs")).isLessThan(-60));
            assertThat(given().get("/v1/calls/" + callRef).then().extract().<String>path("state")).isEqualTo("ACTIVE");
            given().delete("/v1/calls/" + callRef + "/stream").then().statusCode(409);
            Commands.send(callRef, Commands.terminate(UUID.randomUUID().toString(), callRef));
            events.await(r -> callRef.equals(r.key()) && r.value().contains("dev.callgate.call.ended"), 1,
                    Duration.ofSeconds(30));
        }
    }
}
