package dev.callgate.cloudapi;

/** A message accepted by {@code POST /messages}: its {@code wamid.…} id and the user's WhatsApp id. */
public record SentMessage(String messageId, String waId) {
}
