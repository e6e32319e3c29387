package dev.callgate.call;

/** What Meta answered when Callgate ended a call there ({@code terminate}, or {@code reject} for a user's call). */
public enum MetaEnd {
    /** Not asked, or not answered yet: the call may still be open at Meta. */
    OPEN,
    /** Meta took our terminate or reject. */
    CONFIRMED,
    /** Meta answered that the call had already ended: it ended there before our terminate (the user hung up). */
    ENDED_FIRST;

    /** Meta's side of the call is known to be over. */
    public boolean confirmed() {
        return this != OPEN;
    }
}
