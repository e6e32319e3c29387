package dev.callgate.cluster;

import dev.callgate.call.CallConfig;
import dev.callgate.call.CallState;

import dev.callgate.media.MediaWorkerPool;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Where a new call's PeerConnection goes: to the live instance with the most room — here unless this instance is
 * draining or full, or another has at least {@value #MARGIN} more free places (so instances beyond the Kafka partition
 * count, which decide no calls themselves, get their share, and a restarted instance fills up again). An instance's
 * room is its capacity less its media calls: this instance's are counted live; another's are the larger of what its
 * last heartbeat published ({@code instances}) and the live calls PostgreSQL records on it ({@code calls.media_owner}),
 * so calls placed on it since that heartbeat count at once (no burst of new calls herds onto the one that looked
 * emptiest). The chosen instance runs the offer or answer from {@code media_commands}. With no instance able to take
 * it, the call stays here (and the media refuses it: {@code instance_draining}, {@code over_capacity}).
 */
@ApplicationScoped
public class MediaPlacement {

    /** Free places another instance must have beyond this one's before a new call's media goes there. */
    static final int MARGIN = 2;

    private final MediaWorkerPool media;
    private final Instance instance;
    private final CallConfig config;

    public MediaPlacement(MediaWorkerPool media, Instance instance, CallConfig config) {
        this.media = media;
        this.instance = instance;
        this.config = config;
    }

    /** Free places for new calls' media here (none while draining). */
    int roomHere() {
        return media.draining() ? 0 : Math.max(0, media.capacity() - media.activeCalls());
    }

    /** The instance (and its process's epoch) for a new call's media; inside the transition's transaction. */
    public Uni<MediaOwner> ownerForNewCall() {
        return ownerForNewCall(null);
    }

    /**
     * As {@link #ownerForNewCall()}, never choosing {@code passedOver}: an instance that did not take a call's set-up
     * it was given (it looks alive, but was killed since its last heartbeat).
     */
    public Uni<MediaOwner> ownerForNewCall(String passedOver) {
        MediaOwner here = new MediaOwner(instance.id(), instance.epoch());
        int room = roomHere();
        return elsewhere().map(all -> {
            List<Candidate> other = all.stream().filter(c -> !c.owner().id().equals(passedOver)).toList();
            if (other.isEmpty()) {
                return here;
            }
            Candidate best = other.get(0);
            boolean moreRoom = room == 0 ? best.room() > 0 : best.room() >= room + MARGIN;
            return moreRoom ? best.owner() : here;
        });
    }

    /** Who holds a call's PeerConnection: an instance, and the epoch of its process that holds it. */
    public record MediaOwner(String id, long epoch) {
    }

    /** Another instance and its free places. */
    private record Candidate(MediaOwner owner, int room) {
    }

    /** Whether another live instance can take new calls (a draining instance then hands its new calls over). */
    public Uni<Boolean> anotherInstanceHasRoom() {
        return Panache.withSession(this::elsewhere).map(other -> !other.isEmpty());
    }

    /** Other live, not draining instances with room, the most room first. */
    private Uni<List<Candidate>> elsewhere() {
        return Panache.getSession().chain(s -> s.createNativeQuery(ELSEWHERE, Object[].class)
                // seen within three heartbeats: a killed instance is not chosen in the dead-after it takes to be
                // judged gone
                .setParameter(1, instance.id()).setParameter(2, config.heartbeatInterval().toMillis() * 3 / 1000.0)
                .getResultList())
                .map(rows -> rows.stream()
                        .map(row -> new Candidate(new MediaOwner((String) row[0], ((Number) row[1]).longValue()),
                                ((Number) row[2]).intValue()))
                        .filter(candidate -> candidate.room() > 0)
                        .toList());
    }

    /** Other instances' room; their live calls counted by {@code calls_media_owner_idx} (owner, state). */
    private static final String ELSEWHERE = """
            select i.id, i.epoch, i.media_capacity - greatest(i.media_calls,
                (select count(*) from calls c where c.media_owner = i.id and c.state in (%s))) as room
            from instances i
            where i.id <> ?1 and not i.draining and i.seen_at >= now() - make_interval(secs => ?2)
            order by room desc, i.id""".formatted(java.util.Arrays.stream(CallState.values())
            .filter(CallState::live).map(state -> "'" + state.name() + "'")
            .collect(java.util.stream.Collectors.joining(", ")));
}
