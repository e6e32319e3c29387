package dev.callgate.call.flow;

import dev.callgate.cluster.Instance;

import dev.callgate.cloudapi.CloudApiClient;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.OnVertx;
import dev.callgate.support.SignallingOffer;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * A call left ringing by a previous process of this instance (its PeerConnection died with it) is ended
 * FAILED(media_lost) and terminated at the Cloud API. The previous process is represented by the row it left behind;
 * the recovery is the one that runs at start-up.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class MediaRecoveryTest {

    @Inject
    MediaRecovery recovery;
    @Inject
    Instance instance;
    @Inject
    CloudApiClient cloudApi;

    @Test
    void aCallWhoseMediaWasLostIsTerminatedAndEndsFailedMediaLost() {
        LeftBehind call = ringingCallOwnedBy(instance.id());

        assertThat(OnVertx.await(() -> recovery.recover())).isGreaterThanOrEqualTo(1);

        await().atMost(Duration.ofSeconds(30)).until(() ->
                "ENDED".equals(given().get("/v1/calls/" + call.callRef()).then().extract().path("state")));
        given().get("/v1/calls/" + call.callRef()).then().body("outcome", equalTo("FAILED"))
                .body("reason", equalTo("media_lost"));
        assertThat(SimulatorAdminClient.call(call.whatsappCallId()).getString("endReason"))
                .isEqualTo("business_terminated");
    }

    /** A call as a previous process left it in PostgreSQL: ringing at Meta, its media owner as given. */
    private record LeftBehind(UUID id, String callRef, String whatsappCallId) {
    }

    /** Inserts a ringing call as an instance with this owner would have left it. */
    private LeftBehind ringingCallOwnedBy(String owner) {
        return ringingCallOwnedBy(owner, null);
    }

    /** Inserts a ringing call as the process of this owner and media epoch would have left it. */
    private LeftBehind ringingCallOwnedBy(String owner, Long epoch) {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        String whatsappCallId = OnVertx.await(() -> cloudApi.connect(Webhooks.PHONE_NUMBER_ID, user,
                SignallingOffer.sdp(), null));
        String callRef = "owned-" + UUID.randomUUID();
        UUID id = UUID.randomUUID();
        Database.execute("""
                insert into calls (id, call_reference, whatsapp_call_id, phone_number_id, user_wa_id, direction, state,
                                   media_owner, media_epoch, answer_applied, created_at, updated_at, version)
                values (?, ?, ?, ?, ?, 'BUSINESS_INITIATED', 'RINGING', ?, ?, true, now(), now(), 1)""",
                id, callRef, whatsappCallId, Webhooks.PHONE_NUMBER_ID, user, owner, epoch);
        return new LeftBehind(id, callRef, whatsappCallId);
    }

    @Test
    void callsOfAnInstanceThatIsGoneAreEndedAndThoseOfALiveOneAreNot() {
        String alive = "alive-" + UUID.randomUUID();
        Database.execute("insert into instances (id, seen_at) values (?, now())", alive);
        String ghost = "gone-" + UUID.randomUUID(); // never heard of: gone
        String ghostsCall = ringingCallOwnedBy(ghost).callRef();
        String aliveCall = ringingCallOwnedBy(alive).callRef();
        // a media effect another instance handed to the gone owner, never to be run
        Database.execute("insert into media_commands (call_id, owner, effect) values (gen_random_uuid(), ?, "
                + "'CloseMedia')", ghost);

        // the heartbeat's reaper may get there first; either way the gone owner's call ends — once this instance has
        // reached PostgreSQL for a whole dead-after (it judges no one before)
        await().atMost(Duration.ofSeconds(60)).until(() -> OnVertx.await(() -> recovery.reapDeadOwners()) >= 0);

        await().atMost(Duration.ofSeconds(30)).until(() ->
                "ENDED".equals(given().get("/v1/calls/" + ghostsCall).then().extract().path("state")));
        given().get("/v1/calls/" + ghostsCall).then().body("outcome", equalTo("FAILED"))
                .body("reason", equalTo("media_lost"));
        given().get("/v1/calls/" + aliveCall).then().body("state", equalTo("RINGING"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(Database.column(
                "select cast(id as text) from media_commands where owner = ?", ghost)).isEmpty());
        Database.execute("update calls set state = 'ENDED', outcome = 'CANCELLED' where call_reference = ?",
                aliveCall);
    }

    @Test
    void aMediaStepRoutedToAnEarlierProcessOfThisInstanceIsFencedAndItsCallEndsMediaLost() {
        assertThat(instance.epoch()).as("this process's epoch, taken with its lease").isPositive();
        assertThat(Database.column("select cast(epoch as text) from instances where id = ?", instance.id()))
                .containsExactly(Long.toString(instance.epoch()));
        long earlier = instance.epoch() - 1;
        LeftBehind call = ringingCallOwnedBy(instance.id(), earlier);
        // another instance consumed the call's ACCEPTED and routed "play media" to the process that held it then
        Database.execute("insert into media_commands (call_id, owner, effect, epoch) values (?, ?, 'PlayMedia', ?)",
                call.id(), instance.id(), earlier);

        await().atMost(Duration.ofSeconds(30)).until(() ->
                "ENDED".equals(given().get("/v1/calls/" + call.callRef()).then().extract().path("state")));
        given().get("/v1/calls/" + call.callRef()).then().body("outcome", equalTo("FAILED"))
                .body("reason", equalTo("media_lost"));
        assertThat(media.report(call.callRef())).as("no step ran on media this process never had").isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Database.column(
                "select id from media_commands where call_id = ?", call.id())).isEmpty());
    }

    @Test
    void aCallPlacedHereRecordsThisProcessAsItsMediaOwnerWithItsEpoch() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        String callRef = "epoch-" + UUID.randomUUID();
        dev.callgate.support.Commands.send(callRef, dev.callgate.support.Commands.initiate(UUID.randomUUID().toString(),
                callRef, Webhooks.PHONE_NUMBER_ID, user, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> !Database.column(
                "select media_owner || '/' || media_epoch from calls where call_reference = ? and media_epoch is not null",
                callRef).isEmpty());
        assertThat(Database.column("select media_owner || '/' || media_epoch from calls where call_reference = ?",
                callRef)).containsExactly(instance.id() + "/" + instance.epoch());
        given().delete("/v1/calls/" + callRef).then().statusCode(org.hamcrest.Matchers.lessThan(300));
    }

    @Inject
    dev.callgate.media.MediaWorkerPool media;

    @Test
    void mediaHeldForACallThatEndedElsewhereIsClosed() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "answerAfterMs", 100, "neverHangUp", true);
        String callRef = "orphan-" + UUID.randomUUID();
        dev.callgate.support.Commands.send(callRef, dev.callgate.support.Commands.initiate(UUID.randomUUID().toString(),
                callRef, Webhooks.PHONE_NUMBER_ID, user, null));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "ACTIVE".equals(given().get("/v1/calls/" + callRef).then().extract().path("state")));
        assertThat(media.report(callRef)).isPresent();
        String callId = given().get("/v1/calls/" + callRef).then().extract().path("whatsappCallId");

        // another instance ended the call; the CloseMedia it routed here was lost
        Database.execute("update calls set state = 'ENDED', outcome = 'FAILED', failure_reason = 'media_lost' "
                + "where call_reference = ?", callRef);

        await().atMost(Duration.ofSeconds(20)).until(() -> media.report(callRef).isEmpty());
        SimulatorAdminClient.userAction(callId, "hangup");
    }
}
