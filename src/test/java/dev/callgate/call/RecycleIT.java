package dev.callgate.call;

import dev.callgate.support.Commands;
import dev.callgate.support.Database;
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
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged service past its resident-memory threshold ({@code CALLGATE_CALLS_RECYCLE_AT_RSS_MIB}, here 1 MiB, so
 * it is past it from the start): alone, it stays and says why; once another live instance has room, it recycles —
 * takes no new calls, keeps its active call up for as long as the call lasts, and exits with status 0 once that call
 * has ended, leaving nothing open at Meta. The other instance is an {@code instances} row the test keeps alive.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class)
@WithTestResource(KafkaBroker.class)
class RecycleIT {

    private static final ServiceProcess SERVICE = new ServiceProcess("recycle-it", 18097, 8081,
            Map.of("CALLGATE_CALLS_RECYCLE_AT_RSS_MIB", "1", "CALLGATE_CALLS_HEARTBEAT_INTERVAL", "1s"));
    private static final String OTHER = "recycle-room-" + UUID.randomUUID();

    @AfterAll
    static void stop() throws Exception {
        SERVICE.close();
        Database.execute("delete from instances where id = ?", OTHER);
    }

    private static JsonPath view(String callRef) {
        return given().baseUri("http://127.0.0.1:" + SERVICE.port()).header("Authorization", "Bearer it-api-key")
                .get("/v1/calls/" + callRef).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void pastItsMemoryThresholdItRecyclesOnlyWhenAnotherHasRoomAndCutsNoCall() throws Exception {
        SimulatorAdminClient.reset();
        SERVICE.start();
        await("the service says no other instance has room").atMost(Duration.ofSeconds(30))
                .until(() -> SERVICE.logged("no other live instance has room for new calls: not recycling yet"));

        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            // alone and past its threshold, it still takes calls
            String user = Webhooks.newUser();
            SimulatorAdminClient.script(user, "answerAfterMs", 200, "neverHangUp", true, "toneHz", 660.0);
            String ref = "recycle-" + UUID.randomUUID();
            Commands.send(ref, Commands.initiate(UUID.randomUUID().toString(), ref, Webhooks.PHONE_NUMBER_ID, user,
                    null));
            events.await(r -> ref.equals(r.key()) && r.value().contains("\"dev.callgate.call.connected\""), 1,
                    Duration.ofSeconds(60));
            String callId = view(ref).getString("whatsappCallId");

            // another instance has room: this one recycles, and its call goes on
            Database.execute("""
                    insert into instances (id, seen_at, media_calls, media_capacity, epoch)
                    values (?, now(), 0, 10, 1)""", OTHER);
            await("recycling started").atMost(Duration.ofSeconds(20))
                    .until(() -> SERVICE.logged("recycle-it recycles: resident memory"));
            assertThat(Database.column("select cast(draining as text) from instances where id = ?", "recycle-it"))
                    .containsExactly("true");
            given().baseUri("http://127.0.0.1:" + SERVICE.port()).get("/q/health/ready").then().statusCode(503);
            await("the call stays up while the instance recycles").during(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(10)).until(() -> {
                        JsonPath call = view(ref);
                        return SERVICE.alive() && "ACTIVE".equals(call.getString("state"))
                                && "CONNECTED".equals(call.getString("media.peerConnection"))
                                && "active".equals(SimulatorAdminClient.call(callId).getString("state"));
                    });

            // the call ends by itself (the business hangs up): then the process exits for its restart
            Commands.send(ref, Commands.terminate("end-" + UUID.randomUUID(), ref));
            events.await(r -> ref.equals(r.key()) && r.value().contains("dev.callgate.call.ended"), 1,
                    Duration.ofSeconds(60));
            await("the process exits").atMost(Duration.ofSeconds(30)).until(() -> !SERVICE.alive());
            assertThat(SERVICE.exitValue()).as("exit status").isZero();
            assertThat(SERVICE.logged("recycle-it recycled: no call left here; exiting (status 0)")).isTrue();
            assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("ended");
        }
    }
}
