package dev.callgate.call.flow;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Effects an instance recorded and never finished — it died after the commit, before or during the Cloud API request
 * — are run again by any instance once their claim runs out. Each case is the row a dead instance leaves behind.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class CloudApiEffectsTest {

    @Inject
    CloudApiClient cloudApi;

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    /**
     * A call ringing at Meta whose row says {@code state}, its effect left by a gone instance; returns its ids. Its
     * media owner is another instance that is alive (the call of a gone owner, or of this instance without its media,
     * would be ended as media lost by the reaper or the start-up recovery meanwhile).
     */
    private String[] callLeftBehind(String state, boolean withCallId) {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        String whatsappCallId = withCallId ? OnVertx.await(() -> cloudApi.connect(Webhooks.PHONE_NUMBER_ID, user,
                SignallingOffer.sdp(), null)) : null;
        UUID id = UUID.randomUUID();
        String callRef = "left-" + id;
        String owner = "alive-" + id;
        Database.execute("insert into instances (id, seen_at) values (?, now())", owner);
        Database.execute("""
                insert into calls (id, call_reference, whatsapp_call_id, phone_number_id, user_wa_id, direction, state,
                                   pending_outcome, pending_reason, media_owner, meta_end_requested, created_at,
                                   updated_at, version)
                values (?, ?, ?, ?, ?, 'BUSINESS_INITIATED', ?, ?, ?, ?, ?, now(), now(), 1)""",
                id, callRef, whatsappCallId, Webhooks.PHONE_NUMBER_ID, user, state,
                state.equals("TERMINATING") ? "CANCELLED" : null, state.equals("TERMINATING") ? "hung_up" : null,
                owner, state.equals("TERMINATING"));
        return new String[]{id.toString(), callRef, whatsappCallId, user};
    }

    private static void effectLeftBehind(String callId, String kind, int attempts) {
        Database.execute("""
                insert into call_effects (call_id, kind, sdp, attempts, claimed_by, claimed_until)
                values (cast(? as uuid), ?, ?, ?, 'gone-instance', now() - interval '1 second')""",
                callId, kind, kind.equals("CONNECT") ? SignallingOffer.sdp() : null, attempts);
    }

    @Test
    void aTerminateCommittedButNeverSentIsSentByAnotherInstanceAndConfirmed() {
        String[] call = callLeftBehind("TERMINATING", true);
        effectLeftBehind(call[0], "TERMINATE", 0);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(SimulatorAdminClient.call(call[2]).getString("endReason")).isEqualTo("business_terminated");
            assertThat(Database.column("select result from call_effects where call_id = cast(? as uuid) "
                    + "and kind = 'TERMINATE' and done_at is not null", call[0])).containsExactly("MetaEndConfirmed");
        });
        // Meta's terminate webhook then ends the call, confirmed
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/v1/calls/" + call[1]).then()
                .body("state", org.hamcrest.Matchers.equalTo("ENDED"))
                .body("outcome", org.hamcrest.Matchers.equalTo("CANCELLED"))
                .body("terminateConfirmed", org.hamcrest.Matchers.equalTo(true)));
    }

    @Test
    void aConnectWhoseAttemptHadStartedIsNeverSentAgainButResolvedAsOutcomeUnknown() {
        String[] call = callLeftBehind("DIALING", false);
        effectLeftBehind(call[0], "CONNECT", 1);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Database.column(
                "select result from call_effects where call_id = cast(? as uuid) and done_at is not null", call[0]))
                .containsExactly("outcome unknown"));
        // nothing was placed for the user: a second connect could ring them twice
        assertThat(given().get("/simulator/calls").then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.user == '" + call[3] + "' }")).isEmpty();
    }

    @Test
    void aConnectThatNeverStartedIsSent() {
        String[] call = callLeftBehind("DIALING", false);
        effectLeftBehind(call[0], "CONNECT", 0);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(Database.column("select result from call_effects where call_id = cast(? as uuid) "
                    + "and kind = 'CONNECT' and done_at is not null", call[0])).containsExactly("ConnectSent");
            assertThat(Database.column("select whatsapp_call_id from calls where id = cast(? as uuid)", call[0]))
                    .singleElement().asString().startsWith("wacid.");
        });
        given().delete("/v1/calls/" + call[1]).then().statusCode(202); // the user is left ringing otherwise
    }
}
