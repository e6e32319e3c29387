package dev.callgate.call.store;

import dev.callgate.call.CallConfig;
import dev.callgate.call.CallTimer;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

/** Durable timers in {@code call_timers}: started and cancelled inside transitions, claimed once when due. */
@ApplicationScoped
public class CallTimers {

    private final CallConfig config;

    public CallTimers(CallConfig config) {
        this.config = config;
    }

    /**
     * Starts (or restarts) a timer. Its deadline is computed on the database's clock, the one {@link #claim} and
     * {@link #due} compare with: an instance whose own clock is off cannot fire a timer early or late.
     */
    public Uni<Void> start(UUID callId, CallTimer timer) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into call_timers (call_id, timer, fire_at)
                        values (?1, ?2, now() + make_interval(secs => ?3))
                        on conflict (call_id, timer) do update set fire_at = excluded.fire_at""")
                .setParameter(1, callId).setParameter(2, timer.name())
                .setParameter(3, config.of(timer).toMillis() / 1000.0)
                .executeUpdate()).replaceWithVoid();
    }

    public Uni<Void> cancel(UUID callId, CallTimer timer) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "delete from call_timers where call_id = ?1 and timer = ?2")
                .setParameter(1, callId).setParameter(2, timer.name()).executeUpdate()).replaceWithVoid();
    }

    /** Takes a due timer; false when it is not due or another instance took it first. In the transition's transaction. */
    public Uni<Boolean> claim(UUID callId, CallTimer timer) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "delete from call_timers where call_id = ?1 and timer = ?2 and fire_at <= now()")
                .setParameter(1, callId).setParameter(2, timer.name()).executeUpdate()).map(n -> n > 0);
    }

    /** Timers due now (on the database's clock), oldest first. */
    public Uni<List<Due>> due(int limit) {
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                        "select call_id, timer from call_timers where fire_at <= now() order by fire_at limit ?1",
                        Object[].class)
                .setParameter(1, limit).getResultList()))
                .map(rows -> rows.stream().map(row -> new Due((UUID) row[0], CallTimer.valueOf((String) row[1])))
                        .toList());
    }

    /** A timer whose time has come. */
    public record Due(UUID callId, CallTimer timer) {
    }
}
