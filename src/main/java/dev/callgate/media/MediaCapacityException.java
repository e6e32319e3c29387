package dev.callgate.media;

/** The pool is full: the call is refused, never queued. */
public class MediaCapacityException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int capacity;

    public MediaCapacityException(String callKey, int capacity) {
        super("media capacity reached (" + capacity + " calls): call " + callKey + " refused");
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }
}
