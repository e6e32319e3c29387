package dev.callgate.cloudapi;

/**
 * No Graph answer: the connection failed or the response did not come in time. {@link #mayHaveReachedMeta()} tells
 * whether the request may have been acted on (a timeout after sending) or certainly was not (connection refused).
 * For {@code connect} the former is an unknown outcome: the user's phone may be ringing.
 */
public class CloudApiUnreachableException extends RuntimeException {

    private final String action;
    private final boolean mayHaveReachedMeta;

    public CloudApiUnreachableException(String action, boolean mayHaveReachedMeta, Throwable cause) {
        super(action + (mayHaveReachedMeta ? ": no answer from the Cloud API (the request may have been acted on): "
                : ": the Cloud API could not be reached (the request was not sent): ") + cause, cause);
        this.action = action;
        this.mayHaveReachedMeta = mayHaveReachedMeta;
    }

    public String action() {
        return action;
    }

    public boolean mayHaveReachedMeta() {
        return mayHaveReachedMeta;
    }
}
