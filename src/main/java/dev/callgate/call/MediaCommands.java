package dev.callgate.call;

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
 * to {@code media_commands} in the same transaction as the transition, and the owner, which polls for its own rows,
 * claims and runs it. Rows of an owner that is gone are dropped with its calls ({@link MediaRecovery}).
 */
@ApplicationScoped
public class MediaCommands {

    private static final Logger LOG = Logger.getLogger(MediaCommands.class);

    private final Instance instance;
    private final CallEffects effects;
    private final MeterRegistry registry;

    public MediaCommands(Instance instance, CallEffects effects,
                         MeterRegistry registry) {
        this.instance = instance;
        this.effects = effects;
        this.registry = registry;
    }

    /** Whether this effect needs the call's PeerConnection. */
    static boolean needsMedia(CallEffect effect) {
        return effect instanceof CallEffect.ApplyAnswer || effect instanceof CallEffect.PlayMedia
                || effect instanceof CallEffect.CloseMedia || effect instanceof CallEffect.CreateOffer
                || effect instanceof CallEffect.CreateAnswer;
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
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "insert into media_commands (call_id, owner, effect, sdp) values (?1, ?2, ?3, ?4)")
                .setParameter(1, call.id).setParameter(2, call.mediaOwner)
                .setParameter(3, effect.getClass().getSimpleName()).setParameter(4, sdp).executeUpdate())
                .replaceWithVoid();
    }

    /** Claims this instance's pending media commands and runs them; returns how many. */
    Uni<Integer> claim(CallSignals signals) {
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        delete from media_commands where id in (
                            select id from media_commands where owner = ?1 order by id limit 50 for update skip locked)
                        returning cast(call_id as text), effect, sdp,
                                  cast(extract(epoch from created_at) * 1000 as bigint), id""", Object[].class)
                .setParameter(1, instance.id()).getResultList()))
                .chain(rows -> {
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (Object[] row : rows.stream()
                            .sorted(java.util.Comparator.comparingLong(r -> ((Number) r[4]).longValue())).toList()) {
                        all = all.chain(() -> run(UUID.fromString((String) row[0]), (String) row[1],
                                (String) row[2], Instant.ofEpochMilli(((Number) row[3]).longValue()), signals));
                    }
                    return all.replaceWith(rows.size());
                });
    }

    private Uni<Void> run(UUID callId, String effectName, String sdp, Instant decidedAt, CallSignals signals) {
        CallEffect effect = switch (effectName) {
            case "ApplyAnswer" -> new CallEffect.ApplyAnswer(sdp);
            case "PlayMedia" -> new CallEffect.PlayMedia();
            case "CreateOffer" -> new CallEffect.CreateOffer();
            case "CreateAnswer" -> new CallEffect.CreateAnswer(sdp);
            default -> new CallEffect.CloseMedia();
        };
        registry.counter("callgate.media.commands", "direction", "received").increment();
        return Panache.withSession(() -> Call.<Call>findById(callId)).invoke(call -> {
            if (call == null) {
                return;
            }
            LOG.infof("call %s (%s): running %s decided by another instance", call.callRef, call.whatsappCallId,
                    effectName);
            effects.run(CallContext.of(call, decidedAt), List.of(effect), signals);
        }).replaceWithVoid();
    }
}
