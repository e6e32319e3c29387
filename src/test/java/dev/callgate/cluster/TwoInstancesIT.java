package dev.callgate.cluster;

import dev.callgate.support.Reports;
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
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the packaged service share Kafka and PostgreSQL; this JVM is Meta's side (ingress + simulator).
 * Calls spread over both reach ACTIVE with two-way audio whichever instance consumes each webhook (an SDP answer
 * consumed by the instance that does not hold the PeerConnection is routed to its owner); an instance killed with
 * SIGKILL has its calls ended FAILED(media_lost) and terminated at the simulator by the other, within the configured
 * bound, while the other's calls stay up; the killed instance restarts and takes calls again.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class)
@WithTestResource(KafkaBroker.class)
class TwoInstancesIT {

    private static final Map<String, String> FAST_DETECTION = Map.of("CALLGATE_CALLS_HEARTBEAT_INTERVAL", "1s",
            "CALLGATE_CALLS_DEAD_AFTER", "6s", "CALLGATE_INCOMING_POLICY", "auto-accept");
    private static ServiceProcess a;
    private static ServiceProcess b;

    @BeforeAll
    static void startBoth() throws Exception {
        a = new ServiceProcess("it-a", 18093, 8081, FAST_DETECTION).start();
        b = new ServiceProcess("it-b", 18094, 8081, FAST_DETECTION).start();
    }

    @AfterAll
    static void stopBoth() throws Exception {
        a.close();
        b.close();
    }

    @jakarta.inject.Inject
    io.vertx.core.Vertx vertx;

    private static io.restassured.specification.RequestSpecification api(ServiceProcess instance) {
        return given().baseUri("http://127.0.0.1:" + instance.port()).header("Authorization", "Bearer it-api-key")
                .urlEncodingEnabled(false);
    }

    private static JsonPath call(ServiceProcess instance, String callRef) {
        return given().baseUri("http://127.0.0.1:" + instance.port()).header("Authorization", "Bearer it-api-key")
                .urlEncodingEnabled(false).get("/v1/calls/" + dev.callgate.support.Webhooks.segment(callRef))
                .then().statusCode(200).extract().jsonPath();
    }

    private static double routed(ServiceProcess instance) {
        return instance.metric("callgate_media_commands_total\\{[^}]*direction=\"routed\"[^}]*}");
    }

    private List<String> place(WebhookTopic events, int count) {
        return dev.callgate.support.LiveCalls.place(events, count, "two-");
    }

    @Test
    void callsSpreadOverTwoInstancesSurviveTheLossOfOneOnlyWhereTheirMediaWas() throws Exception {
        SimulatorAdminClient.reset();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            List<String> refs = place(events, 20);

            // every call has two-way audio, wherever its PeerConnection lives
            Map<String, ServiceProcess> owner = new LinkedHashMap<>();
            Map<String, String> callIds = new LinkedHashMap<>();
            for (String ref : refs) {
                JsonPath view = call(a, ref);
                owner.put(ref, view.getString("mediaOwner").equals("it-a") ? a : b);
                callIds.put(ref, view.getString("whatsappCallId"));
            }
            assertThat(owner.values()).as("both instances hold calls").contains(a, b);
            for (String ref : refs) {
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(Reports.number(call(owner.get(ref), ref), "media.receivedDominantHz"))
                            .isCloseTo(660, within(15.0));
                    assertThat(Reports.number(SimulatorAdminClient.call(callIds.get(ref)), "phone.received.dominantHz"))
                            .isCloseTo(1000, within(15.0));
                });
            }
            assertThat(routed(a) + routed(b)).as("SDP answers consumed by the instance without the media")
                    .isPositive();

            // SIGKILL one instance: the other ends its calls (media_lost) and terminates them at Meta
            a.kill();
            List<String> onA = refs.stream().filter(r -> owner.get(r) == a).toList();
            List<String> onB = refs.stream().filter(r -> owner.get(r) == b).toList();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (String ref : onA) {
                    assertThat(SimulatorAdminClient.call(callIds.get(ref)).getString("endReason")).as(ref)
                            .isEqualTo("business_terminated");
                }
            });
            var ended = events.await(r -> onA.contains(r.key()) && r.value().contains("dev.callgate.call.ended"),
                    onA.size(), Duration.ofSeconds(60));
            assertThat(ended).allSatisfy(r -> {
                assertThat(CloudEvents.data(r).path("outcome").asText()).isEqualTo("FAILED");
                assertThat(CloudEvents.data(r).path("reason").asText()).isEqualTo("media_lost");
            });
            for (String ref : onB) {
                JsonPath view = call(b, ref);
                assertThat(view.getString("state")).as(ref).isEqualTo("ACTIVE");
                assertThat(view.getString("media.peerConnection")).isEqualTo("CONNECTED");
                assertThat(SimulatorAdminClient.call(callIds.get(ref)).getString("state")).isEqualTo("active");
            }

            // b's calls end before a comes back: a cold JVM beside ~16 two-way calls and their phones (libwebrtc's
            // real-time audio threads, as root) was starved on 2 cores — its first offers took over 90 s in one CI run
            for (String ref : onB) {
                Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
            }
            events.await(r -> onB.contains(r.key()) && r.value().contains("dev.callgate.call.ended"), onB.size(),
                    Duration.ofSeconds(60));

            // the killed instance comes back under its name and takes calls again
            a.start();
            List<String> more = place(events, 4);
            for (String ref : more) {
                assertThat(call(b, ref).getString("state")).isEqualTo("ACTIVE");
            }
            for (String ref : more) {
                Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
            }
            events.await(r -> more.contains(r.key()) && r.value().contains("dev.callgate.call.ended"), more.size(),
                    Duration.ofSeconds(60));
        }
        assertThat(given().get("/simulator/calls").then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.state != 'ended' }")).isEmpty();
    }

    @Test
    void aSecondProcessStartedWithALiveInstancesIdIsRefusedAndTheLiveOnesCallsGoOn() throws Exception {
        SimulatorAdminClient.reset();
        if (!a.alive()) {
            a.start();
        }
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            List<String> refs = place(events, 2);
            Map<String, String> callIds = new LinkedHashMap<>();
            for (String ref : refs) {
                callIds.put(ref, call(a, ref).getString("whatsappCallId"));
            }
            try (ServiceProcess twin = new ServiceProcess("it-a", 18095, 8081, FAST_DETECTION)) {
                twin.launch();
                await().atMost(Duration.ofSeconds(60)).until(() -> !twin.alive());
                assertThat(twin.exitValue()).isNotZero();
                assertThat(twin.logged("another live process runs as instance 'it-a'")).isTrue();
            }
            // nobody ended a's calls: they are live at Meta and here, with their media
            for (String ref : refs) {
                assertThat(call(a, ref).getString("state")).as(ref).isEqualTo("ACTIVE");
                assertThat(SimulatorAdminClient.call(callIds.get(ref)).getString("state")).isEqualTo("active");
            }
            for (String ref : refs) {
                Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
            }
            var ended = events.await(r -> refs.contains(r.key()) && r.value().contains("dev.callgate.call.ended"),
                    refs.size(), Duration.ofSeconds(60));
            assertThat(ended).allSatisfy(r ->
                    assertThat(CloudEvents.data(r).path("outcome").asText()).isEqualTo("COMPLETED"));
        }
    }

    @Test
    void aDrainingInstanceHandsItsNewCallsToTheOtherAndStillTakesCommandsForItsOwn() throws Exception {
        SimulatorAdminClient.reset();
        for (ServiceProcess instance : List.of(a, b)) {
            if (!instance.alive()) {
                instance.start();
            }
        }
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            // a call whose media b holds (which instance takes a call depends on the command's partition)
            String onB = null;
            List<String> placed = new ArrayList<>();
            for (int round = 0; round < 5 && onB == null; round++) {
                List<String> refs = place(events, 3);
                placed.addAll(refs);
                onB = refs.stream().filter(r -> "it-b".equals(call(a, r).getString("mediaOwner"))).findFirst()
                        .orElse(null);
            }
            assertThat(onB).as("a call held by it-b").isNotNull();

            b.terminate(); // SIGTERM: b drains for up to its drain timeout (60 s), its calls go on
            await().atMost(Duration.ofSeconds(20)).until(() -> b.logged("may finish within"));

            // new calls placed while b drains all get their media on a — whichever instance consumed the command
            List<String> more = place(events, 4);
            for (String ref : more) {
                assertThat(call(a, ref).getString("mediaOwner")).as(ref).isEqualTo("it-a");
                assertThat(call(a, ref).getString("state")).isEqualTo("ACTIVE");
            }
            // users who call while b drains are answered, their media on a — whichever instance consumed the
            // connect webhook (b may: it stays in the webhook consumer group and places the answer on a)
            List<String> incoming = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                // users who stay on the line (the default script hangs up 5 s after the answer: a window a loaded
                // machine's polling can miss)
                String user = dev.callgate.support.Webhooks.newUser();
                SimulatorAdminClient.script(user, "neverHangUp", true);
                incoming.add(SimulatorAdminClient.placeCall(user, dev.callgate.support.Webhooks.PHONE_NUMBER_ID,
                        660.0, null));
            }
            for (String callId : incoming) {
                JsonPath answered = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> call(a, callId), view -> "ACTIVE".equals(view.getString("state")));
                assertThat(answered.getString("mediaOwner")).as(callId).isEqualTo("it-a");
                assertThat(answered.getString("direction")).isEqualTo("USER_INITIATED");
            }
            // and a command for b's own call is taken at once, not after the drain
            String held = onB;
            Commands.send(held, Commands.terminate("end-" + UUID.randomUUID(), held));
            JsonPath endedEarly = await().atMost(Duration.ofSeconds(20)).until(() -> call(a, held),
                    view -> "ENDED".equals(view.getString("state")));
            assertThat(endedEarly.getString("outcome")).isEqualTo("COMPLETED");
            assertThat(b.alive()).as("still draining").isTrue();

            List<String> live = new ArrayList<>(placed);
            live.remove(held);
            live.addAll(more);
            live.addAll(incoming);
            for (String ref : live) {
                Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
            }
            events.await(r -> live.contains(r.key()) && r.value().contains("dev.callgate.call.ended"), live.size(),
                    Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(90)).until(() -> !b.alive());
        } finally {
            if (!b.alive()) {
                b.start();
            }
        }
    }

    @Test
    void aStreamStartedAndStoppedThroughTheInstanceWithoutTheMediaRunsWhereTheMediaIs() throws Exception {
        SimulatorAdminClient.reset();
        for (ServiceProcess instance : List.of(a, b)) {
            if (!instance.alive()) {
                instance.start();
            }
        }
        // an agent in Twilio's protocol that echoes the user
        io.vertx.core.http.HttpServer agent = vertx.createHttpServer().requestHandler(request -> request.toWebSocket()
                .onSuccess(ws -> ws.textMessageHandler(text -> {
                    io.vertx.core.json.JsonObject message = new io.vertx.core.json.JsonObject(text);
                    if ("media".equals(message.getString("event"))) {
                        ws.writeTextMessage(new io.vertx.core.json.JsonObject().put("event", "media")
                                .put("streamSid", message.getString("streamSid"))
                                .put("media", new io.vertx.core.json.JsonObject().put("payload",
                                        message.getJsonObject("media").getString("payload"))).encode());
                    }
                }))).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5,
                        java.util.concurrent.TimeUnit.SECONDS);
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            List<String> refs = place(events, 2);
            for (String ref : refs) {
                ServiceProcess other = "it-a".equals(call(a, ref).getString("mediaOwner")) ? b : a;
                String callId = call(a, ref).getString("whatsappCallId");
                double routedBefore = routed(other);
                api(other).contentType("application/json")
                        .body("{\"url\":\"ws://127.0.0.1:" + agent.actualPort() + "/agent\"}")
                        .post("/v1/calls/" + ref + "/stream").then().statusCode(202);
                // the owner streams: the user hears their echo instead of the tone
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Reports.number(
                        SimulatorAdminClient.call(callId), "phone.received.dominantHz")).isCloseTo(660, within(15.0)));
                events.await(r -> ref.equals(r.key()) && r.value().contains("dev.callgate.call.stream.started"), 1,
                        Duration.ofSeconds(20));
                assertThat(routed(other)).as("the start went to the owner").isGreaterThan(routedBefore);

                api(other).delete("/v1/calls/" + ref + "/stream").then().statusCode(202);
                var stopped = CloudEvents.data(events.await(r -> ref.equals(r.key())
                        && r.value().contains("dev.callgate.call.stream.stopped"), 1, Duration.ofSeconds(20)).get(0));
                assertThat(stopped.path("stream").path("reason").asText()).isEqualTo("stopped");
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Reports.number(
                        SimulatorAdminClient.call(callId), "phone.received.levelDbfs")).isLessThan(-60));
                assertThat(call(a, ref).getString("state")).isEqualTo("ACTIVE");
            }
            for (String ref : refs) {
                Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
            }
            events.await(r -> refs.contains(r.key()) && r.value().contains("dev.callgate.call.ended"), refs.size(),
                    Duration.ofSeconds(60));
        } finally {
            agent.close().toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
