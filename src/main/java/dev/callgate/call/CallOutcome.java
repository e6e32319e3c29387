package dev.callgate.call;

/** How a call ended (design.md). */
public enum CallOutcome {
    /** Answered and hung up by either side; carries the duration. */
    COMPLETED,
    /** The user declined. */
    REJECTED,
    /** Nobody picked up before the ring timeout (ours or Meta's). */
    NO_ANSWER,
    /** We hung up before the user answered. */
    CANCELLED,
    /** The user has not granted call permission (138006). */
    PERMISSION_DENIED,
    /** Anything else, with a reason and the WhatsApp code and message when there is one. */
    FAILED
}
