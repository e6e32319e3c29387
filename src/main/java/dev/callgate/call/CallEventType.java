package dev.callgate.call;

/** The lifecycle events Callgate publishes on {@code callgate.events} (CloudEvents type {@code dev.callgate.call.<name>}). */
public enum CallEventType {
    REQUESTED, DIALING, RINGING, ACCEPTED, CONNECTED, INCOMING, ENDED;

    /** The CloudEvents {@code type}. */
    public String cloudEventType() {
        return "dev.callgate.call." + name().toLowerCase(java.util.Locale.ROOT);
    }
}
