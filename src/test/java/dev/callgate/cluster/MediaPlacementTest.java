package dev.callgate.cluster;

import dev.callgate.media.MediaWorkerPool;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.OnVertx;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new call's media goes to the live instance with the most room: another instance with clearly more free places
 * than this one takes it — its live calls counted from PostgreSQL, not only from its last heartbeat — and a draining,
 * full or silent one never does. Each case is an {@code instances} row of another instance beside this one.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class MediaPlacementTest {

    @Inject
    MediaPlacement placement;

    @Inject
    MediaWorkerPool media;

    @Inject
    Instance instance;

    private final String other = "roomy-" + UUID.randomUUID();

    @AfterEach
    void removeTheOtherInstance() {
        Database.execute("delete from calls where media_owner = ?", other);
        Database.execute("delete from instances where id = ?", other);
    }

    private String owner() {
        return OnVertx.await(() -> Panache.withSession(placement::ownerForNewCall)).id();
    }

    /** Another instance, seen now, with room for ten calls more than this one has in all. */
    private int anotherWithMoreRoom() {
        int capacity = media.capacity() + 10;
        Database.execute("""
                insert into instances (id, seen_at, media_calls, media_capacity, epoch)
                values (?, now(), 0, ?, 1)""", other, capacity);
        return capacity;
    }

    /** {@code count} calls in {@code state} whose media {@code other} holds. */
    private void callsOnTheOther(int count, String state) {
        Database.execute("""
                insert into calls (id, call_reference, phone_number_id, user_wa_id, direction, state, media_owner,
                                   meta_end_requested, created_at, updated_at, version)
                select gen_random_uuid(), 'placed-' || gen_random_uuid(), '0', '0', 'BUSINESS_INITIATED', ?, ?, false,
                       now(), now(), 1
                from generate_series(1, ?)""", state, other, count);
    }

    @Test
    void anInstanceWithMoreRoomTakesTheNewCallsMedia() {
        assertThat(owner()).as("alone").isEqualTo(instance.id());
        anotherWithMoreRoom();
        assertThat(owner()).isEqualTo(other);
    }

    @Test
    void itsLiveCallsInPostgresqlCountEvenBeforeItsNextHeartbeatEndedOnesDoNot() {
        int capacity = anotherWithMoreRoom();
        callsOnTheOther(capacity, "ENDED");
        assertThat(owner()).as("ended calls hold no media").isEqualTo(other);

        Database.execute("update calls set state = 'ACTIVE' where media_owner = ?", other);
        assertThat(owner()).as("full by its calls, though its heartbeat said 0").isEqualTo(instance.id());
    }

    @Test
    void nearlyAsMuchRoomIsNotEnoughToMoveTheMedia() {
        int capacity = anotherWithMoreRoom();
        int roomHere = placement.roomHere();
        // the other's room: capacity - calls = roomHere + MARGIN - 1
        callsOnTheOther(capacity - roomHere - MediaPlacement.MARGIN + 1, "ACTIVE");
        assertThat(owner()).isEqualTo(instance.id());
    }

    @Test
    void aDrainingOrSilentInstanceGetsNoNewCalls() {
        anotherWithMoreRoom();
        Database.execute("update instances set draining = true where id = ?", other);
        assertThat(owner()).as("draining").isEqualTo(instance.id());

        Database.execute("update instances set draining = false, seen_at = now() - interval '1 hour' where id = ?",
                other);
        assertThat(owner()).as("not seen for three heartbeats").isEqualTo(instance.id());
    }
}
