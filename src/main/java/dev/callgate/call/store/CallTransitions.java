package dev.callgate.call.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * The history of a call's states ({@code call_transitions}): one row per committed transition, for the call's
 * timeline. Pruned with the webhook records ({@link Retention}).
 */
public final class CallTransitions {

    private CallTransitions() {
    }

    /**
     * Records that {@code call} went from {@code from} (null: it was created) to its current state on {@code signal},
     * inside the caller's transaction; {@code spanId}: the transition's span, or null.
     */
    public static Uni<Void> record(Call call, String from, String signal, String spanId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into call_transitions (call_id, from_state, to_state, signal, outcome, reason, span_id)
                        values (?1, ?2, ?3, ?4, ?5, ?6, ?7)""")
                .setParameter(1, call.id).setParameter(2, from).setParameter(3, call.state.name())
                .setParameter(4, signal).setParameter(5, call.outcome == null ? null : call.outcome.name())
                .setParameter(6, call.failureReason).setParameter(7, spanId)
                .executeUpdate()).replaceWithVoid();
    }
}
