package dev.callgate.call;

/**
 * A validated request to place a business-initiated call (from {@code callgate.commands} or {@code POST /v1/calls}).
 *
 * @param to        the user's phone number (digits), or null when only {@code recipient} is known
 * @param recipient the user's business-scoped user id (BSUID), or null
 * @param toneHz the tone to play when no prompt is given (null: the configured default)
 * @param prompt the id of a WAV prompt, or null
 * @param record whether to record what the user says (Callgate's own recording)
 * @param recording     Meta-native recording ({@link MetaCapture}), or null
 * @param transcription Meta-native transcription ({@link MetaCapture}), or null
 * @param stream        the call's audio stream to an application ({@code media.stream}, validated JSON), or null
 */
public record InitiateCall(String commandId, String callRef, String phoneNumberId, String to, String recipient,
                           String bizOpaqueCallbackData, Double toneHz, String prompt, boolean record,
                           com.fasterxml.jackson.databind.node.ObjectNode recording,
                           com.fasterxml.jackson.databind.node.ObjectNode transcription, String stream) {

    /** The user as Callgate keys them (permissions, logs): the phone number when known, else the BSUID. */
    public String user() {
        return to != null ? to : recipient;
    }
}
