package dev.callgate.media;

/** The instance is shutting down: it takes no new calls (their media would die with it). */
public class MediaDrainingException extends MediaCapacityException {

    private static final long serialVersionUID = 1L;

    public MediaDrainingException(String callKey) {
        super(callKey, 0, "this instance is draining (shutting down): call " + callKey + " refused");
    }
}
