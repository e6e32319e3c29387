package dev.callgate.call.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.cluster.Instance;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.LiveCalls;
import dev.callgate.support.OnVertx;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new call's media set-up sent to an instance that never takes it — killed since its last heartbeat, so for three
 * heartbeats it still looks alive, and with the most room it is where new calls' media goes — is moved to an instance
 * that does, and the call goes on: a business-initiated call's offer, a user-initiated call's answer. A set-up younger
 * than the claim timeout stays where it was sent; one of a call that ended meanwhile is dropped, not moved.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class StrandedSetupTest {

    private static final String AUTO_ACCEPTED = "106540352242933";

    @Inject
    Instance instance;

    @Inject
    MediaWorkerPool media;

    @Inject
    MediaCommands commands;

    @Inject
    MeterRegistry registry;

    private final String killed = "killed-" + UUID.randomUUID();

    @BeforeEach
    void anInstanceKilledJustAfterItsHeartbeat() {
        SimulatorAdminClient.reset();
        Database.execute("""
                insert into instances (id, seen_at, media_calls, media_capacity, epoch)
                values (?, now(), 0, ?, 1)""", killed, media.capacity() + 10);
    }

    @AfterEach
    void forgetIt() {
        Database.execute("delete from media_commands where owner = ?", killed);
        Database.execute("update calls set media_owner = null where media_owner = ?", killed);
        Database.execute("delete from instances where id = ?", killed);
    }

    private double moved() {
        Counter counter = registry.find("callgate.media.commands").tag("direction", "moved").counter();
        return counter == null ? 0 : counter.count();
    }

    private JsonNode event(WebhookTopic events, String key, String type) {
        return CloudEvents.data(events.await(r -> key.equals(r.key())
                && r.value().contains("\"dev.callgate.call." + type + "\""), 1, Duration.ofSeconds(60)).get(0));
    }

    @Test
    void aBusinessCallsOfferIsMovedToAnInstanceThatTakesItAndTheCallConnects() {
        double before = moved();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            // connected: the offer was made, Meta called, the user answered, media flows
            String ref = LiveCalls.place(events, 1, "stranded-offer-").get(0);
            assertThat(Database.column("select media_owner from calls where call_reference = ?", ref))
                    .containsExactly(instance.id());
            assertThat(moved()).isGreaterThanOrEqualTo(before + 1);
            assertThat(Database.column("select count(*) from media_commands where owner = ?", killed))
                    .containsExactly("0");

            Commands.send(ref, Commands.terminate(UUID.randomUUID().toString(), ref));
            assertThat(event(events, ref, "ended").path("outcome").asText()).isEqualTo("COMPLETED");
        }
    }

    @Test
    void aUsersCallsAnswerIsMovedToAnInstanceThatTakesItAndTheCallIsAccepted() {
        double before = moved();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = SimulatorAdminClient.placeCall(Webhooks.newUser(), AUTO_ACCEPTED, 660.0, 2000L);
            event(events, callId, "accepted");
            event(events, callId, "connected");
            assertThat(Database.column("select media_owner from calls where whatsapp_call_id = ?", callId))
                    .containsExactly(instance.id());
            assertThat(moved()).isGreaterThanOrEqualTo(before + 1);
            assertThat(event(events, callId, "ended").path("outcome").asText()).isEqualTo("COMPLETED");
        }
    }

    /**
     * A call of this test's own, in {@code state}, whose set-up was decided and sent to the killed instance
     * {@code age} ago.
     */
    private UUID setUpSentToTheKilledOne(String state, String age) {
        UUID id = UUID.randomUUID();
        Database.execute("""
                insert into calls (id, call_reference, phone_number_id, user_wa_id, direction, state, media_owner,
                                   media_epoch, meta_end_requested, created_at, updated_at, version)
                values (?, ?, '0', '0', 'BUSINESS_INITIATED', ?, ?, 1, false, now(), now(), 1)""",
                id, "stranded-" + id, state, killed);
        Database.execute("""
                insert into media_commands (call_id, owner, effect, epoch, created_at, decided_at)
                values (?, ?, 'CreateOffer', 1, now() - cast(? as interval), now() - cast(? as interval))""",
                id, killed, age, age);
        return id;
    }

    @Test
    void aSetUpYoungerThanTheClaimTimeoutStaysWhereItWasSent() {
        UUID call = setUpSentToTheKilledOne("OFFERING", "0 seconds");
        assertThat(OnVertx.await(() -> commands.moveStranded(Duration.ofMinutes(5)))).isZero();
        assertThat(Database.column("select owner from media_commands where call_id = ?", call))
                .containsExactly(killed);
        assertThat(Database.column("select media_owner from calls where id = ?", call)).containsExactly(killed);
        Database.execute("delete from calls where id = ?", call);
    }

    @Test
    void aMovedSetUpKeepsWhenItWasDecidedAndItsClaimTimeoutCountsFromTheMove() {
        // a second instance that never claims either, with more room than this one: the set-up goes there
        String next = "next-" + UUID.randomUUID();
        Database.execute("""
                insert into instances (id, seen_at, media_calls, media_capacity, epoch)
                values (?, now(), 0, ?, 1)""", next, media.capacity() + 5);
        UUID call = setUpSentToTheKilledOne("OFFERING", "10 minutes");
        try {
            // the app's own sweep may get there first: either way the set-up is now the other instance's
            OnVertx.await(() -> commands.moveStranded(Duration.ofMinutes(5)));
            assertThat(Database.column("select owner from media_commands where call_id = ?", call))
                    .containsExactly(next);
            // the set-up latency its owner reports counts from the decision ten minutes ago, not from the move
            assertThat(Database.column("""
                    select cast(extract(epoch from now() - decided_at) >= 599 as text) from media_commands
                    where call_id = ?""", call)).containsExactly("true");
            assertThat(Database.column("""
                    select cast(created_at > now() - interval '1 minute' as text) from media_commands
                    where call_id = ?""", call))
                    .containsExactly("true");
        } finally {
            Database.execute("delete from media_commands where call_id = ?", call);
            Database.execute("delete from calls where id = ?", call);
            Database.execute("delete from instances where id = ?", next);
        }
    }

    @Test
    void theSetUpOfACallThatEndedMeanwhileIsDroppedNotMoved() {
        UUID call = setUpSentToTheKilledOne("ENDED", "10 minutes");
        assertThat(Database.column("select media_owner from calls where id = ?", call)).containsExactly(killed);
        // the app's own sweep may get there first: either way the row goes and the call's owner stays
        OnVertx.await(() -> commands.moveStranded(Duration.ofMinutes(5)));
        assertThat(Database.column("select count(*) from media_commands where call_id = ?", call))
                .containsExactly("0");
        assertThat(Database.column("select media_owner from calls where id = ?", call)).containsExactly(killed);
        Database.execute("delete from calls where id = ?", call);
    }
}
