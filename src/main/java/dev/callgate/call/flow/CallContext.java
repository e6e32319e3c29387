package dev.callgate.call.flow;

import dev.callgate.call.CallDirection;
import dev.callgate.call.store.Call;

import java.util.UUID;

/** What effects need to know of a call, copied out of the committed row. */
public record CallContext(UUID callId, String callRef, CallDirection direction, String phoneNumberId, String to,
                          String recipient, String whatsappCallId, String bizOpaqueCallbackData, Double toneHz, String prompt,
                          boolean record, String metaRecording, String metaTranscription,
                          java.time.Instant createdAt, java.time.Instant signalReceivedAt, String stream,
                          String trace) {

    /**
     * @param signalReceivedAt when the signal behind this transition reached Callgate (a webhook's receive time at
     *                         the ingress), for latency metrics; {@code trace}: the traceparent its effects' spans
     *                         go under (the transition's span, else the call's trace), or null
     */
    static CallContext of(Call call, java.time.Instant signalReceivedAt) {
        return new CallContext(call.id, call.callRef, call.direction, call.phoneNumberId, call.userWaId,
                call.userId, call.whatsappCallId, call.bizOpaqueCallbackData, call.mediaToneHz, call.mediaPrompt, call.mediaRecord,
                call.metaRecording, call.metaTranscription, call.createdAt, signalReceivedAt, call.mediaStream,
                call.productsTrace());
    }

    /** The key media and logs know the call by. */
    public String mediaKey() {
        return callRef != null ? callRef : callId.toString();
    }
}
