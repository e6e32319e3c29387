package dev.callgate.cluster;

import dev.callgate.call.CallConfig;

import dev.callgate.media.MediaWorkerPool;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Where a new call's PeerConnection goes: on the instance that decides it, unless that one is draining or full — then
 * on the live instance with the most room (each instance publishes its draining flag, media calls and capacity with
 * its heartbeat, {@code instances}). The chosen instance runs the offer or answer from {@code media_commands}. With no
 * other instance able to take it, the call stays here (and the media refuses it: {@code instance_draining},
 * {@code over_capacity}).
 */
@ApplicationScoped
public class MediaPlacement {

    private final MediaWorkerPool media;
    private final Instance instance;
    private final CallConfig config;

    public MediaPlacement(MediaWorkerPool media, Instance instance, CallConfig config) {
        this.media = media;
        this.instance = instance;
        this.config = config;
    }

    /** Whether this instance takes a new call's media itself. */
    boolean hasRoomHere() {
        return !media.draining() && media.activeCalls() < media.capacity();
    }

    /** The instance (and its process's epoch) for a new call's media; inside the transition's transaction. */
    public Uni<MediaOwner> ownerForNewCall() {
        MediaOwner here = new MediaOwner(instance.id(), instance.epoch());
        return hasRoomHere() ? Uni.createFrom().item(here)
                : elsewhere().map(other -> other.isEmpty() ? here : other.get(0));
    }

    /** Who holds a call's PeerConnection: an instance, and the epoch of its process that holds it. */
    public record MediaOwner(String id, long epoch) {
    }

    /** Whether another live instance can take new calls (a draining instance then hands its new calls over). */
    public Uni<Boolean> anotherInstanceHasRoom() {
        return Panache.withSession(this::elsewhere).map(other -> !other.isEmpty());
    }

    private Uni<List<MediaOwner>> elsewhere() {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        select id, epoch from instances
                        where id <> ?1 and not draining and media_calls < media_capacity
                          and seen_at >= now() - make_interval(secs => ?2)
                        order by media_capacity - media_calls desc, id limit 1""", Object[].class)
                // seen within three heartbeats: a killed instance is not chosen in the dead-after it takes to be
                // judged gone
                .setParameter(1, instance.id()).setParameter(2, config.heartbeatInterval().toMillis() * 3 / 1000.0)
                .getResultList())
                .map(rows -> rows.stream()
                        .map(row -> new MediaOwner((String) row[0], ((Number) row[1]).longValue())).toList());
    }
}
