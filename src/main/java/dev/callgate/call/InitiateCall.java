package dev.callgate.call;

/**
 * A validated request to place a business-initiated call (from {@code callgate.commands} or {@code POST /v1/calls}).
 *
 * @param toneHz the tone to play when no prompt is given (null: the configured default)
 * @param prompt the id of a WAV prompt, or null
 * @param record whether to record what the user says
 */
public record InitiateCall(String commandId, String callRef, String phoneNumberId, String to,
                           String bizOpaqueCallbackData, Double toneHz, String prompt, boolean record) {
}
