package dev.callgate.call;

import java.util.UUID;

/** What effects need to know of a call, copied out of the committed row. */
public record CallContext(UUID callId, String callRef, CallDirection direction, String phoneNumberId, String to,
                          String whatsappCallId, String bizOpaqueCallbackData, Double toneHz, String prompt,
                          boolean record) {

    static CallContext of(Call call) {
        return new CallContext(call.id, call.callRef, call.direction, call.phoneNumberId, call.userWaId,
                call.whatsappCallId, call.bizOpaqueCallbackData, call.mediaToneHz, call.mediaPrompt, call.mediaRecord);
    }

    /** The key media and logs know the call by. */
    public String mediaKey() {
        return callRef != null ? callRef : callId.toString();
    }
}
