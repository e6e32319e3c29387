package dev.callgate.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.IngressAndSimulatorOnly;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.Reports;
import dev.callgate.support.ServiceProcess;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.TcpProxy;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The fault campaign (issue 11, docs/reliability.md): two packaged instances with live two-way calls, PostgreSQL
 * taken away behind a TCP proxy, the Kafka broker stopped, the Graph API failing — each while users or the business
 * hang up. Every scenario ends with the same checks: each call has exactly one {@code ended} event with its true
 * outcome, no call is live at the simulator (Meta), and no instance holds a PeerConnection. This JVM is Meta's side
 * (ingress + simulator), as in TwoInstancesIT. Runs in the {@code faults} Maven profile.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class)
@WithTestResource(KafkaBroker.class)
class FaultCampaignIT {

    private static final Logger LOG = Logger.getLogger(FaultCampaignIT.class);
    private static TcpProxy database;
    private static ServiceProcess a;
    private static ServiceProcess b;

    @BeforeAll
    static void startBoth() throws Exception {
        database = TcpProxy.start("127.0.0.1", 5432);
        String db = System.getProperty("callgate.it.db-name", "callgate_test");
        Map<String, String> env = Map.of(
                "CALLGATE_DB_URL", "postgresql://127.0.0.1:" + database.port() + "/" + db,
                "CALLGATE_DB_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + database.port() + "/" + db,
                "CALLGATE_CALLS_HEARTBEAT_INTERVAL", "1s",
                "CALLGATE_CALLS_DEAD_AFTER", "10s",
                "CALLGATE_CALLS_EFFECT_MAX_BACKOFF", "4s");
        a = new ServiceProcess("fault-a", 18101, 8081, env).start();
        b = new ServiceProcess("fault-b", 18102, 8081, env).start();
    }

    @AfterAll
    static void stopBoth() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    // ---- scenarios -------------------------------------------------------------------------------------------------

    /**
     * PostgreSQL unreachable for 5 s and for 60 s (longer than dead-after) while two users hang up: their calls end
     * COMPLETED once it is back; the other calls are never cut — not during the outage, not by an instance judging
     * the other dead after it.
     */
    @ParameterizedTest(name = "PostgreSQL away for {0} s")
    @ValueSource(ints = {5, 60})
    void postgresAwayWhileUsersHangUpCutsNoHealthyCall(int seconds) {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Calls calls = place(events, 6);
            List<String> hangingUp = calls.refs.subList(0, 2);
            List<String> staying = calls.refs.subList(2, 6);

            database.cut();
            long cutAt = System.nanoTime();
            for (String ref : hangingUp) {
                SimulatorAdminClient.userAction(calls.callIds.get(ref), "hangup");
            }
            // for the whole outage the other calls stay up at Meta (nobody terminates them)
            await().during(Duration.ofSeconds(seconds)).atMost(Duration.ofSeconds(seconds + 10))
                    .until(() -> staying.stream().allMatch(ref ->
                            "active".equals(SimulatorAdminClient.call(calls.callIds.get(ref)).getString("state"))));
            database.restore();
            LOG.infof("PostgreSQL was away for %d ms", (System.nanoTime() - cutAt) / 1_000_000);

            List<ConsumerRecord<String, String>> ended = events.await(r -> hangingUp.contains(r.key())
                    && r.value().contains("\"dev.callgate.call.ended\""), hangingUp.size(), Duration.ofSeconds(90));
            assertThat(ended).allSatisfy(r ->
                    assertThat(CloudEvents.data(r).path("outcome").asText()).isEqualTo("COMPLETED"));
            // a whole dead-after (and more) after the outage, the other calls are still up everywhere, with audio
            await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(25)).until(() -> staying.stream()
                    .allMatch(ref -> "ACTIVE".equals(view(calls.owner.get(ref), ref).getString("state"))
                            && "active".equals(SimulatorAdminClient.call(calls.callIds.get(ref)).getString("state"))));
            assertTwoWayAudio(calls, staying);

            hangUp(staying);
            assertEveryCallEndedOnceAndNothingLeftOpen(events, calls);
        }
    }

    /**
     * The Kafka broker stopped for 20 s while every user hangs up: the outcomes and billed durations are Meta's —
     * in the ended event, or in the reconciled event when Meta's word came after the end.
     */
    @Test
    void kafkaAwayWhileUsersHangUpStillGivesMetasOutcomesAndDurations() throws Exception {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Calls calls = place(events, 4);
            KafkaBroker.stopBroker();
            try {
                for (String ref : calls.refs) {
                    SimulatorAdminClient.userAction(calls.callIds.get(ref), "hangup");
                }
                await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(21)).until(() -> true);
            } finally {
                KafkaBroker.restartBroker();
            }
            events.await(r -> calls.refs.contains(r.key()) && r.value().contains("\"dev.callgate.call.ended\""),
                    calls.refs.size(), Duration.ofSeconds(120));
            for (String ref : calls.refs) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    events.pollMatching(r -> ref.equals(r.key())); // what arrived meanwhile
                    JsonNode word = metasWord(events, ref);
                    assertThat(word).as(ref + ": Meta's status and duration").isNotNull();
                    assertThat(word.path("meta").path("status").asText()).isEqualTo("COMPLETED");
                    assertThat(word.path("meta").path("durationSeconds").isNumber()).isTrue();
                });
                JsonNode ended = CloudEvents.data(events.matching(r -> ref.equals(r.key())
                        && r.value().contains("\"dev.callgate.call.ended\"")).get(0));
                assertThat(ended.path("outcome").asText()).as(ref).isEqualTo("COMPLETED");
            }
            assertEveryCallEndedOnceAndNothingLeftOpen(events, calls);
        }
    }

    /**
     * The Graph API answering 5xx for 30 s while the business hangs up: the calls end (terminateConfirmed false once
     * the grace runs out), and every one is terminated at Meta once it answers again.
     */
    @Test
    void graphFailingWhileTheBusinessHangsUpLeavesNoCallOpenAtMeta() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Calls calls = place(events, 4);
            SimulatorAdminClient.fault("terminate", 503, 131000, 0, 100_000);
            long failingFrom = System.nanoTime();
            hangUp(calls.refs);
            List<ConsumerRecord<String, String>> ended = events.await(r -> calls.refs.contains(r.key())
                    && r.value().contains("\"dev.callgate.call.ended\""), calls.refs.size(), Duration.ofSeconds(60));
            assertThat(ended).allSatisfy(r -> {
                assertThat(CloudEvents.data(r).path("outcome").asText()).isEqualTo("COMPLETED");
                assertThat(CloudEvents.data(r).path("terminateConfirmed").asBoolean(true)).isFalse();
            });
            assertThat(calls.refs).allSatisfy(ref -> assertThat(
                    SimulatorAdminClient.call(calls.callIds.get(ref)).getString("state")).isEqualTo("active"));
            await().pollDelay(Duration.ofNanos(Math.max(0, Duration.ofSeconds(30).toNanos()
                    - (System.nanoTime() - failingFrom)))).atMost(Duration.ofSeconds(31)).until(() -> true);
            SimulatorAdminClient.fault("terminate", 503, 131000, 0, 0); // Meta answers again

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(calls.refs).allSatisfy(ref -> {
                assertThat(SimulatorAdminClient.call(calls.callIds.get(ref)).getString("endReason"))
                        .isEqualTo("business_terminated");
                assertThat(view(calls.owner.get(ref), ref).getBoolean("terminateConfirmed")).isTrue();
            }));
            assertEveryCallEndedOnceAndNothingLeftOpen(events, calls);
        }
    }

    /**
     * 64 parallel unsigned chunked bodies of 15 MiB at the webhook endpoint while calls are up: each is refused (413,
     * or the connection closed while the client still sends) before more than the limit is buffered, the calls keep
     * their audio, and a user's hang-up sent through the same ingress afterwards ends its call.
     */
    @Test
    void hugeUnsignedBodiesInParallelLeaveTheCallsAlone() {
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Calls calls = place(events, 3);
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            java.net.URI webhooks = java.net.URI.create("http://localhost:8081/webhooks/whatsapp");
            List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> responses =
                    new ArrayList<>();
            java.lang.management.MemoryMXBean memory = java.lang.management.ManagementFactory.getMemoryMXBean();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            for (int i = 0; i < 64; i++) {
                responses.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(webhooks)
                                .header("Content-Type", "application/json")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new dev.callgate.support.BlankBody(15L * 1024 * 1024))).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).exceptionally(failure -> null));
            }
            int refused = 0;
            for (var future : responses) {
                var response = future.join();
                if (response != null) {
                    assertThat(response.statusCode()).isEqualTo(413);
                }
                refused++;
            }
            LOG.infof("64 huge bodies refused; heap used %d MiB before, %d MiB after", heapBefore >> 20,
                    memory.getHeapMemoryUsage().getUsed() >> 20);
            assertThat(refused).isEqualTo(64);
            assertTwoWayAudio(calls, calls.refs);
            String leaving = calls.refs.get(0);
            SimulatorAdminClient.userAction(calls.callIds.get(leaving), "hangup");
            events.await(r -> leaving.equals(r.key()) && r.value().contains("\"dev.callgate.call.ended\""), 1,
                    Duration.ofSeconds(30));
            hangUp(calls.refs.subList(1, calls.refs.size()));
            assertEveryCallEndedOnceAndNothingLeftOpen(events, calls);
        }
    }

    /**
     * One webhook PostgreSQL refuses for its data (a call id longer than its column) ahead of 200 normal ones sent at
     * 40 a second: the poison goes to the DLQ at once and every normal one is stored within a second of arriving.
     */
    @Test
    void aPoisonWebhookDoesNotHoldBackTheOnesBehindIt() {
        // what is measured is the poison's effect, not a rebalance's: an instance restarted by an earlier scenario may
        // still be joining the consumer group (or its killed predecessor still leaving it), which holds every record
        // back for about a second
        awaitWebhookConsumersSettled();
        // and not a cold start's: a first few webhooks through every partition's consumer before the poison (an
        // instance that has just started spends its first second on class loading and first-time JSON mappings)
        List<String> warmUp = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String callId = Webhooks.newCallId();
            warmUp.add(callId);
            Webhooks.postSigned(Webhooks.callStatus(callId, Webhooks.newUser(), "RINGING")).statusCode(200);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Integer.parseInt(dev.callgate.support.Database.column(
                "select count(*) from call_events where whatsapp_call_id = any(?)",
                (Object) warmUp.toArray(new String[0])).get(0)) == warmUp.size());
        try (WebhookTopic dlq = new WebhookTopic("callgate.webhooks.dlq")) {
            String poison = "wacid." + "P".repeat(300);
            Webhooks.postSigned(Webhooks.callStatus(poison, Webhooks.newUser(), "RINGING")).statusCode(200);
            List<String> normal = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                String callId = Webhooks.newCallId();
                normal.add(callId);
                Webhooks.postSigned(Webhooks.callStatus(callId, Webhooks.newUser(), "RINGING")).statusCode(200);
                long due = start + (i + 1) * 25_000_000L; // 40 a second
                await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5))
                        .until(() -> System.nanoTime() >= due);
            }
            dlq.await(r -> poison.equals(r.key()), 1, Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(30)).until(() -> Integer.parseInt(dev.callgate.support.Database.column(
                    "select count(*) from call_events where whatsapp_call_id = any(?)",
                    (Object) normal.toArray(new String[0])).get(0)) == normal.size());
            List<String> lags = dev.callgate.support.Database.column("""
                    select cast(extract(epoch from (recorded_at - received_at)) * 1000 as bigint) from call_events
                    where whatsapp_call_id = any(?) order by 1""", (Object) normal.toArray(new String[0]));
            long worst = Long.parseLong(lags.get(lags.size() - 1));
            LOG.infof("200 webhooks behind a poison one: stored after %s ms (median), %d ms (worst)",
                    lags.get(lags.size() / 2), worst);
            assertThat(worst).as("ms from the ingress to PostgreSQL, worst of 200").isLessThan(1000);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** The webhook consumer group holds exactly both instances' consumers (3 each) and is not rebalancing. */
    private static void awaitWebhookConsumersSettled() {
        String group = "callgate-call-events";
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                dev.callgate.support.KafkaBroker.bootstrapServers()))) {
            await("consumer group " + group + " settled with both instances").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                        var description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                        return description.groupState() == org.apache.kafka.common.GroupState.STABLE
                                && description.members().size() == 6;
                    });
        }
    }

    /** Live calls: their refs, WhatsApp call ids and the instance holding each one's media. */
    private record Calls(List<String> refs, Map<String, String> callIds, Map<String, ServiceProcess> owner) {
    }

    private Calls place(WebhookTopic events, int count) {
        List<String> refs = dev.callgate.support.LiveCalls.place(events, count, "fault-");
        Map<String, String> callIds = new LinkedHashMap<>();
        Map<String, ServiceProcess> owner = new LinkedHashMap<>();
        for (String ref : refs) {
            JsonPath view = view(a, ref);
            callIds.put(ref, view.getString("whatsappCallId"));
            owner.put(ref, view.getString("mediaOwner").equals(a.instanceId()) ? a : b);
        }
        Calls calls = new Calls(refs, callIds, owner);
        assertTwoWayAudio(calls, refs);
        return calls;
    }

    private static void assertTwoWayAudio(Calls calls, List<String> refs) {
        for (String ref : refs) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(Reports.number(view(calls.owner.get(ref), ref), "media.receivedDominantHz"))
                        .as(ref).isCloseTo(660, within(15.0));
                assertThat(Reports.number(SimulatorAdminClient.call(calls.callIds.get(ref)),
                        "phone.received.dominantHz")).as(ref).isCloseTo(1000, within(15.0));
            });
        }
    }

    private static void hangUp(List<String> refs) {
        for (String ref : refs) {
            Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
        }
    }

    private static JsonPath view(ServiceProcess instance, String callRef) {
        return given().baseUri("http://127.0.0.1:" + instance.port()).header("Authorization", "Bearer it-api-key")
                .get("/v1/calls/" + callRef).then().statusCode(200).extract().jsonPath();
    }

    /** The event carrying Meta's terminate for the call: the ended event, else the reconciled one; null if neither. */
    private static JsonNode metasWord(WebhookTopic events, String ref) {
        for (String type : List.of("\"dev.callgate.call.ended\"", "\"dev.callgate.call.reconciled\"")) {
            for (ConsumerRecord<String, String> r : events.matching(x -> ref.equals(x.key())
                    && x.value().contains(type))) {
                JsonNode data = CloudEvents.data(r);
                if (data.has("meta")) {
                    return data;
                }
            }
        }
        return null;
    }

    /**
     * Every call has exactly one ended event; Meta (the simulator) has no call still live; neither instance holds a
     * PeerConnection.
     */
    private static void assertEveryCallEndedOnceAndNothingLeftOpen(WebhookTopic events, Calls calls) {
        events.await(r -> calls.refs.contains(r.key()) && r.value().contains("\"dev.callgate.call.ended\""),
                calls.refs.size(), Duration.ofSeconds(90));
        for (String ref : calls.refs) {
            assertThat(events.matching(r -> ref.equals(r.key())
                    && r.value().contains("\"dev.callgate.call.ended\""))).as(ref).hasSize(1);
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(given().get("/simulator/calls").then().statusCode(200).extract().jsonPath()
                    .getList("findAll { it.state != 'ended' }")).isEmpty();
            assertThat(mediaCalls(a) + mediaCalls(b)).isZero();
        });
    }

    private static double mediaCalls(ServiceProcess instance) {
        return instance.metric("callgate_media_calls(\\{[^}]*})?");
    }
}
