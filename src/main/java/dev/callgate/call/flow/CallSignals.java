package dev.callgate.call.flow;

import dev.callgate.call.CallSignal;

import io.smallrye.mutiny.Uni;

import java.util.UUID;

/**
 * Where the results of effects go back to as signals: the orchestrator hands itself to the effect runners with the
 * effects it asks them to run ({@link CallEffects}, {@link CloudApiEffects}), so they depend on no orchestrator.
 */
public interface CallSignals {

    /** A signal for a known call (media reports, Cloud API answers), applied in its own transaction. */
    Uni<Void> signal(UUID callId, CallSignal signal);

    /** The result of a durable Cloud API effect: its row marked done and its signal (if any) applied, in one transaction. */
    Uni<Void> effectDone(UUID callId, long effectId, CallSignal signal, String result);

    /**
     * An event about a known call that changes no state (its audio stream started or stopped), written to the outbox
     * in its own transaction with the call as it stands and {@code extra} fields.
     */
    Uni<Void> event(UUID callId, dev.callgate.contract.CallEventType type,
                    com.fasterxml.jackson.databind.node.ObjectNode extra);
}
