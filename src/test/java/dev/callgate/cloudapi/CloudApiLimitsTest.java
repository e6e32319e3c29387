package dev.callgate.cloudapi;

import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.OnVertx;
import dev.callgate.support.SignallingOffer;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** Meta's limits as the simulator enforces them (138005, 138012) and Callgate's own connect limit, with small values. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
@TestProfile(CloudApiLimitsTest.TightLimits.class)
class CloudApiLimitsTest {

    static final String PNID = "106540352242999";

    public static class TightLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "callgate.simulator.phone-number-ids", PNID,
                    "callgate.simulator.limits.initiations-per-day", "3",
                    "callgate.simulator.limits.connected-calls-per-day", "1",
                    "callgate.cloudapi.connect-limit.max-connects", "5",
                    "callgate.media.max-calls", "1");
        }
    }


    @Inject
    CloudApiClient client;


    @BeforeEach
    void clean() {
        SimulatorAdminClient.reset();
        Database.execute("delete from cloudapi_connect_attempts where phone_number_id = ?", PNID);
    }

    private String connect(String user) {
        SimulatorAdminClient.script(user, "neverAnswer", true);
        return OnVertx.await(() -> client.connect(PNID, user, SignallingOffer.sdp(), null));
    }

    @Test
    void initiationLimitIs138005AndTheLocalLimitStopsConnectsBeforeTheyAreSent() {
        for (int i = 0; i < 3; i++) {
            String callId = connect(Webhooks.newUser());
            client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(10));
        }
        for (int i = 0; i < 2; i++) { // Meta refuses the 4th and 5th; they still count locally
            CloudApiException error = catchThrowableOfType(CloudApiException.class, () -> connect(Webhooks.newUser()));
            assertThat(error.error()).isEqualTo(CallingError.INITIATION_RATE_LIMIT);
            assertThat(error.httpStatus()).isEqualTo(429);
        }
        int callsSeenBySimulator = given().get("/simulator/calls").then().extract().path("size()");

        Instant before = Instant.now();
        ConnectLimitExceededException local = catchThrowableOfType(ConnectLimitExceededException.class,
                () -> connect(Webhooks.newUser()));
        assertThat(local.limit()).isEqualTo(5);
        assertThat(local.phoneNumberId()).isEqualTo(PNID);
        assertThat(local.nextAllowedAt()).isBetween(before.plus(Duration.ofHours(23)), before.plus(Duration.ofHours(25)));
        // the refused connect never reached the Graph API
        assertThat((int) given().get("/simulator/calls").then().extract().path("size()")).isEqualTo(callsSeenBySimulator);
    }

    @Test
    void connectedCallLimitIs138012WithTheNextAllowedTime() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 0, "hangUpAfterMs", 300);
        String first = OnVertx.await(() -> client.connect(PNID, user, SignallingOffer.sdp(), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> "ended".equals(SimulatorAdminClient.call(first).getString("state")));
        Instant answered = Instant.parse(SimulatorAdminClient.call(first).getString("acceptedAt"));

        CloudApiException error = catchThrowableOfType(CloudApiException.class,
                () -> OnVertx.await(() -> client.connect(PNID, user, SignallingOffer.sdp(), null)));
        assertThat(error.error()).isEqualTo(CallingError.CONNECTED_CALL_LIMIT);
        assertThat(error.httpStatus()).isEqualTo(400);
        assertThat(error.nextAllowedAt()).hasValue(answered.plus(Duration.ofHours(24)));
    }

    @Test
    void localLimitIsSharedByEveryInstanceThroughPostgres() throws Exception {
        String number = "555" + System.nanoTime();
        // two limiters, as two instances would have, racing for the same number's 5 slots
        CloudApiConfig config = new TestCloudApiConfig("http://unused", "v23.0", "t", Duration.ofSeconds(1),
                Duration.ofSeconds(1), 0, 5);
        List<ConnectLimiter> instances = List.of(new ConnectLimiter(config), new ConnectLimiter(config));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ConnectLimiter limiter = instances.get(i % 2);
                Callable<Boolean> reserve = () -> {
                    try {
                        OnVertx.await(() -> limiter.reserve(number));
                        return true;
                    } catch (ConnectLimitExceededException refused) {
                        return false;
                    }
                };
                results.add(pool.submit(reserve));
            }
            int granted = 0;
            for (Future<Boolean> result : results) {
                granted += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(granted).isEqualTo(5);
            assertThat(Database.column("select count(*) from cloudapi_connect_attempts where phone_number_id = ?",
                    number)).containsExactly("5");
        } finally {
            pool.shutdownNow();
            Database.execute("delete from cloudapi_connect_attempts where phone_number_id = ?", number);
        }
    }

    @Test
    void aCallOverMediaCapacityIsRefusedBeforeAnythingReachesMeta() {
        String first = Webhooks.newUser();
        SimulatorAdminClient.script(first, "neverAnswer", true);
        String holder = "cap-" + java.util.UUID.randomUUID();
        String refused = "cap-" + java.util.UUID.randomUUID();
        dev.callgate.support.Commands.send(holder, dev.callgate.support.Commands.initiate("c-" + holder, holder, PNID,
                first, null));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                "RINGING".equals(given().get("/v1/calls/" + holder).then().extract().path("state")));
        dev.callgate.support.Commands.send(refused, dev.callgate.support.Commands.initiate("c-" + refused, refused,
                PNID, Webhooks.newUser(), null));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                "ENDED".equals(given().get("/v1/calls/" + refused).then().extract().path("state")));
        given().get("/v1/calls/" + refused).then()
                .body("outcome", org.hamcrest.Matchers.equalTo("FAILED"))
                .body("reason", org.hamcrest.Matchers.equalTo("over_capacity"));
        assertThat((int) given().get("/simulator/calls").then().extract().path("size()")).isEqualTo(1);
        given().delete("/v1/calls/" + holder).then().statusCode(202);
    }
}
