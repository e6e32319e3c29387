package dev.callgate.call.store;

import dev.callgate.call.CallConfig;
import dev.callgate.call.CallState;
import dev.callgate.runtime.Periodic;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The open calls as PostgreSQL holds them, counted every {@code callgate.calls.census-interval} into two gauges:
 * <ul>
 *   <li>{@code callgate_calls_open{state}} — calls in each state but ENDED;</li>
 *   <li>{@code callgate_calls_overdue_seconds} — how long ago the earliest deadline of an open call (a due
 *   {@code call_timers} row: ring timeout, max duration, terminate grace, …) passed without firing; 0 when none did.
 *   The timers are what keeps a call from staying open, and billed, forever; the poller fires a due one within
 *   {@code callgate.calls.timer-poll-interval}, so a deadline seconds past means the poller is stuck or the call's
 *   transition keeps failing (see the ERROR log "timer … of call … failed").</li>
 * </ul>
 * Both are about the whole database, so every instance reports the same figures: aggregate them with {@code max},
 * not {@code sum}. The overdue figure keeps growing between counts, and while PostgreSQL cannot be asked: a
 * deadline that passed stays passed until a count finds it fired.
 */
@ApplicationScoped
public class CallCensus {

    /** The live states, as SQL literals (enum names, not input): the state index serves the count. */
    private static final String LIVE = Arrays.stream(CallState.values()).filter(CallState::live)
            .map(s -> "'" + s.name() + "'").collect(Collectors.joining(", "));

    private final CallConfig config;
    private final Vertx vertx;
    private final MeterRegistry registry;
    private final Map<CallState, AtomicLong> open = new EnumMap<>(CallState.class);
    /** {@link System#nanoTime()} at which the earliest passed deadline passed; {@code Long.MIN_VALUE}: none. */
    private volatile long overdueSince = Long.MIN_VALUE;
    private Periodic census;

    public CallCensus(CallConfig config, Vertx vertx, MeterRegistry registry) {
        this.config = config;
        this.vertx = vertx;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return; // an ingress-only process: no calls of its own to count, the call instances report them
        }
        for (CallState state : CallState.values()) {
            if (state.live()) {
                AtomicLong count = new AtomicLong();
                open.put(state, count);
                Gauge.builder("callgate.calls.open", count, AtomicLong::get).tag("state", state.name().toLowerCase())
                        .description("Calls in this state in PostgreSQL (all instances' calls)").register(registry);
            }
        }
        Gauge.builder("callgate.calls.overdue", this, CallCensus::overdueSeconds).baseUnit("seconds")
                .description("How long ago the earliest deadline (timer) of an open call passed without firing")
                .register(registry);
        census = Periodic.every(vertx, config.censusInterval(), "call census", this::count);
    }

    void stop(@Observes ShutdownEvent event) {
        if (census != null) {
            census.cancel();
        }
    }

    double overdueSeconds() {
        long since = overdueSince;
        return since == Long.MIN_VALUE ? 0 : Math.max(0, System.nanoTime() - since) / 1e9;
    }

    /** One count: open calls by state, then the earliest due timer of an open call (on the database's clock). */
    Uni<Void> count() {
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                                "select state, count(*) from calls where state in (" + LIVE + ") group by state",
                                Object[].class).getResultList()
                        .invoke(this::counted)
                        .chain(() -> s.createNativeQuery("""
                                        select extract(epoch from now() - min(t.fire_at))::float8 from call_timers t
                                        join calls c on c.id = t.call_id
                                        where t.fire_at <= now() and c.state <> 'ENDED'""", Double.class)
                                .getResultList())))
                .invoke(rows -> {
                    Double seconds = rows.isEmpty() ? null : rows.get(0); // min() of no rows: one null
                    overdueSince = seconds == null ? Long.MIN_VALUE : System.nanoTime() - (long) (seconds * 1e9);
                })
                .replaceWithVoid();
    }

    private void counted(List<Object[]> rows) {
        Map<CallState, Long> counts = new EnumMap<>(CallState.class);
        for (Object[] row : rows) {
            counts.put(CallState.valueOf((String) row[0]), ((Number) row[1]).longValue());
        }
        open.forEach((state, count) -> count.set(counts.getOrDefault(state, 0L)));
    }
}
