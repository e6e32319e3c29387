package dev.callgate.cloudapi;

import java.time.Instant;

/** Callgate's own per-number initiation limit refused a connect before it was sent to Meta. */
public class ConnectLimitExceededException extends RuntimeException {

    private final String phoneNumberId;
    private final int limit;
    private final Instant nextAllowedAt;

    public ConnectLimitExceededException(String phoneNumberId, int limit, java.time.Duration window,
                                         Instant nextAllowedAt) {
        super("business number " + phoneNumberId + " has used its " + limit + " call initiations per " + window
                + "; the next is allowed at " + nextAllowedAt);
        this.phoneNumberId = phoneNumberId;
        this.limit = limit;
        this.nextAllowedAt = nextAllowedAt;
    }

    public String phoneNumberId() {
        return phoneNumberId;
    }

    public int limit() {
        return limit;
    }

    public Instant nextAllowedAt() {
        return nextAllowedAt;
    }
}
