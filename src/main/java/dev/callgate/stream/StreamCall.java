package dev.callgate.stream;

/**
 * The call a stream belongs to, as the application is told in {@code start}.
 *
 * @param callRef                the call's reference (Twilio's {@code callSid}); a user-initiated call's is its
 *                               WhatsApp call id
 * @param whatsappCallId         Meta's call id, when known
 * @param direction              {@code BUSINESS_INITIATED} or {@code USER_INITIATED}
 * @param phoneNumberId          the business number's id (Twilio's {@code accountSid})
 * @param userPhone              the user's phone number, when known (a user may be known only by BSUID)
 * @param userBsuid              the user's business-scoped user id, when known
 * @param bizOpaqueCallbackData  the caller's own correlation value, when given
 */
public record StreamCall(String callRef, String whatsappCallId, String direction, String phoneNumberId,
                         String userPhone, String userBsuid, String bizOpaqueCallbackData) {
}
