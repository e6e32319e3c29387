package dev.callgate.call.flow;

import dev.callgate.call.CallEffect;
import dev.callgate.call.CallSignal;
import dev.callgate.call.store.Call;
import dev.callgate.cluster.Instance;
import dev.callgate.cluster.InstanceLease;
import dev.callgate.cluster.MediaPlacement;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Scale-out: a call's PeerConnection lives in the instance that created it ({@code calls.media_owner}). When another
 * instance decides a media effect — it consumed the connect webhook with the SDP answer, say — the effect is written
 * to {@code media_commands} in the same transaction as the transition, with a PostgreSQL notification the owner hears
 * at the commit; it claims and runs the row at once (and polls as well, for a notification missed). Rows of an owner that is gone are dropped with its calls ({@link MediaRecovery}). Each row
 * carries the epoch of the owner's process that holds the call's media ({@code calls.media_epoch}); a row for an
 * earlier process of this instance id — it restarted since, and its PeerConnections went with it — is fenced: its
 * call is ended as media lost (a durable signal; the row goes only once that committed), its step never runs.
 */
@ApplicationScoped
public class MediaCommands {

    private static final Logger LOG = Logger.getLogger(MediaCommands.class);

    private final Instance instance;
    private final CallEffects effects;
    private final MeterRegistry registry;
    private final MediaPlacement placement;

    public MediaCommands(Instance instance, CallEffects effects, MeterRegistry registry, MediaPlacement placement) {
        this.instance = instance;
        this.effects = effects;
        this.registry = registry;
        this.placement = placement;
    }

    /** Whether this effect needs the call's PeerConnection. */
    static boolean needsMedia(CallEffect effect) {
        return effect instanceof CallEffect.ApplyAnswer || effect instanceof CallEffect.PlayMedia
                || effect instanceof CallEffect.CloseMedia || effect instanceof CallEffect.CreateOffer
                || effect instanceof CallEffect.CreateAnswer || effect instanceof CallEffect.StartStream
                || effect instanceof CallEffect.StopStream;
    }

    /** Whether effects of this call's media must go to another instance. */
    boolean elsewhere(Call call) {
        return call.mediaOwner != null && !call.mediaOwner.equals(instance.id());
    }

    /** Hands the effect to the call's media owner; inside the transition's transaction. */
    Uni<Void> route(Call call, CallEffect effect) {
        String sdp = effect instanceof CallEffect.ApplyAnswer answer ? answer.sdp()
                : effect instanceof CallEffect.CreateAnswer create ? create.remoteOfferSdp() : null;
        registry.counter("callgate.media.commands", "direction", "routed").increment();
        LOG.infof("call %s (%s): %s goes to its media owner %s", call.callRef, call.whatsappCallId,
                effect.getClass().getSimpleName(), call.mediaOwner);
        return send(call.id, call.mediaOwner, call.mediaEpoch, effect.getClass().getSimpleName(), sdp, null);
    }

    /**
     * A media command row for {@code owner}, and the notification it hears at the commit; inside a transaction.
     * {@code decidedAtMillis}: when its transition committed, if earlier than now (a moved set-up); null: now.
     */
    private static Uni<Void> send(UUID callId, String owner, Long epoch, String effect, String sdp,
            Long decidedAtMillis) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into media_commands (call_id, owner, effect, sdp, epoch, decided_at)
                        values (?1, ?2, ?3, ?4, ?5, coalesce(to_timestamp(cast(?6 as bigint) / 1000.0), now()))""")
                .setParameter(1, callId).setParameter(2, owner).setParameter(3, effect).setParameter(4, sdp)
                .setParameter(5, epoch).setParameter(6, decidedAtMillis).executeUpdate()
                // delivered when this transaction commits: the owner claims the row at once, not at its next poll
                .chain(() -> s.createNativeQuery("select cast(pg_notify(?1, ?2) as text)")
                        .setParameter(1, InstanceLease.MEDIA_COMMANDS_CHANNEL).setParameter(2, owner)
                        .getSingleResult()))
                .replaceWithVoid();
    }

    /**
     * Moves the set-ups no owner took: a new call's offer or answer routed to an instance that has not claimed it
     * within {@code claimTimeout} (an owner claims within a poll interval, at once on the notification) goes to
     * another instance — never that one — chosen as for a new call. That owner was killed since its last heartbeat
     * and still looks alive (three heartbeats); without this the call would wait for it until its set-up deadline
     * and fail. No PeerConnection exists yet and Meta has not been called with this media, so nothing is lost. The
     * row is deleted in the transaction that re-routes it (the owner's claim skips locked rows: one of the two takes
     * it, never both); the call row's version is raised with its new owner, so a transition decided meanwhile on
     * the old one is retried on the new. A call that ended meanwhile keeps no row. Returns how many calls moved.
     */
    Uni<Integer> moveStranded(java.time.Duration claimTimeout) {
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        delete from media_commands where id in (
                            select id from media_commands
                            where owner <> ?1 and effect in ('CreateOffer', 'CreateAnswer')
                            and created_at < now() - make_interval(secs => ?2)
                            order by id limit 20 for update skip locked)
                        returning cast(call_id as text), owner, effect, sdp,
                                  cast(extract(epoch from decided_at) * 1000 as bigint)""", Object[].class)
                .setParameter(1, instance.id()).setParameter(2, claimTimeout.toMillis() / 1000.0).getResultList())
                .chain(rows -> {
                    Uni<Integer> moved = Uni.createFrom().item(0);
                    for (Object[] row : rows) {
                        moved = moved.chain(n -> move(UUID.fromString((String) row[0]), (String) row[1],
                                (String) row[2], (String) row[3], ((Number) row[4]).longValue())
                                .map(done -> done ? n + 1 : n));
                    }
                    return moved;
                }));
    }

    private Uni<Boolean> move(UUID callId, String passedOver, String effect, String sdp, long decidedAtMillis) {
        return placement.ownerForNewCall(passedOver).chain(owner -> Panache.getSession().chain(s -> s
                        .createNativeQuery("""
                                update calls set media_owner = ?1, media_epoch = ?2, version = version + 1
                                where id = ?3 and media_owner = ?4 and state not in ('ENDED', 'TERMINATING')
                                returning call_reference""", String.class)
                        .setParameter(1, owner.id()).setParameter(2, owner.epoch()).setParameter(3, callId)
                        .setParameter(4, passedOver).getResultList())
                .chain(moved -> {
                    if (moved.isEmpty()) {
                        LOG.debugf("call %s: its %s for %s was not taken, and the call has ended", callId, effect,
                                passedOver);
                        return Uni.createFrom().item(false);
                    }
                    registry.counter("callgate.media.commands", "direction", "moved").increment();
                    LOG.warnf("call %s: %s was not taken by %s (gone since its last heartbeat?); it goes to %s",
                            moved.get(0), effect, passedOver, owner.id());
                    return send(callId, owner.id(), owner.epoch(), effect, sdp, decidedAtMillis).replaceWith(true);
                }));
    }

    /**
     * Claims this instance's pending media commands and runs them; returns how many. The rows are deleted in the
     * transaction that also reads their calls, so a database failure anywhere before the commit leaves them for the
     * next poll; once committed they run in memory (handing the step to the media worker cannot fail on the database).
     */
    Uni<Integer> claim(CallSignals signals) {
        return fenceStale(signals).chain(() -> Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        delete from media_commands where id in (
                            select id from media_commands where owner = ?1 and (epoch is null or epoch = ?2)
                            order by id limit 50 for update skip locked)
                        returning cast(call_id as text), effect, sdp,
                                  cast(extract(epoch from decided_at) * 1000 as bigint), id""", Object[].class)
                .setParameter(1, instance.id()).setParameter(2, instance.epoch()).getResultList())
                .chain(rows -> {
                    List<Object[]> ordered = rows.stream()
                            .sorted(java.util.Comparator.comparingLong(r -> ((Number) r[4]).longValue())).toList();
                    List<UUID> ids = ordered.stream().map(r -> UUID.fromString((String) r[0])).distinct().toList();
                    return ids.isEmpty() ? Uni.createFrom().item(List.<Routed>of())
                            : Call.<Call>list("id in ?1", ids).map(calls -> ordered.stream()
                            .map(row -> new Routed(calls.stream().filter(c -> c.id.toString().equals(row[0]))
                                    .findFirst().orElse(null), (String) row[1], (String) row[2],
                                    Instant.ofEpochMilli(((Number) row[3]).longValue())))
                            .toList());
                })))
                .invoke(commands -> commands.forEach(command -> run(command, signals)))
                .map(List::size);
    }

    /**
     * Commands routed to an earlier process of this instance: each call is ended as media lost (a no-op for a call
     * already ended), then its row deleted; a failure leaves the row for the next poll.
     */
    private Uni<Void> fenceStale(CallSignals signals) {
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        select id, cast(call_id as text), effect, epoch from media_commands
                        where owner = ?1 and epoch < ?2 order by id limit 50""", Object[].class)
                .setParameter(1, instance.id()).setParameter(2, instance.epoch()).getResultList()))
                .chain(rows -> {
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (Object[] row : rows) {
                        long id = ((Number) row[0]).longValue();
                        UUID callId = UUID.fromString((String) row[1]);
                        boolean close = "CloseMedia".equals(row[2]);
                        all = all.chain(() -> {
                            registry.counter("callgate.media.commands", "direction", "fenced").increment();
                            LOG.warnf("call %s: %s was routed to epoch %s of instance %s, this process is epoch %d;"
                                    + " its media is gone", callId, row[2], row[3], instance.id(), instance.epoch());
                            return close ? Uni.createFrom().voidItem()
                                    : signals.signal(callId, new CallSignal.MediaFailed("media_lost"));
                        }).chain(() -> Panache.withTransaction(() -> Panache.getSession().chain(s -> s
                                .createNativeQuery("delete from media_commands where id = ?1").setParameter(1, id)
                                .executeUpdate())).replaceWithVoid());
                    }
                    return all;
                });
    }

    /** A claimed command with its call as it was when claimed (null: the call is gone). */
    private record Routed(Call call, String effect, String sdp, Instant decidedAt) {
    }

    private void run(Routed command, CallSignals signals) {
        registry.counter("callgate.media.commands", "direction", "received").increment();
        if (command.call() == null) {
            return;
        }
        CallEffect effect = switch (command.effect()) {
            case "ApplyAnswer" -> new CallEffect.ApplyAnswer(command.sdp());
            case "PlayMedia" -> new CallEffect.PlayMedia();
            case "CreateOffer" -> new CallEffect.CreateOffer();
            case "CreateAnswer" -> new CallEffect.CreateAnswer(command.sdp());
            case "StartStream" -> new CallEffect.StartStream();
            case "StopStream" -> new CallEffect.StopStream();
            default -> new CallEffect.CloseMedia();
        };
        Call call = command.call();
        LOG.infof("call %s (%s): running %s decided by another instance", call.callRef, call.whatsappCallId,
                command.effect());
        effects.run(CallContext.of(call, command.decidedAt()), List.of(effect), signals);
    }
}
