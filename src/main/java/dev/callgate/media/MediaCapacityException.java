package dev.callgate.media;

/** The pool is full: the call is refused, never queued. */
public class MediaCapacityException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int capacity;

    public MediaCapacityException(String callKey, int capacity) {
        this(callKey, capacity, "media capacity reached (" + capacity + " calls): call " + callKey + " refused");
    }

    protected MediaCapacityException(String callKey, int capacity, String message) {
        super(message);
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }
}
