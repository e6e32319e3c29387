package dev.callgate.call;

/** The timers that keep a call from staying open (and billed) forever. */
public enum CallTimer {
    /** Business-initiated: media never produced the SDP offer (a stuck or overloaded worker). */
    OFFER_TIMEOUT,
    /** Business-initiated: nobody picked up. */
    RING_TIMEOUT,
    /** Picked up (or accepted) but media never came up. */
    CONNECT_TIMEOUT,
    /** Longest call we keep up. */
    MAX_DURATION,
    /** We sent terminate; the terminate webhook did not come. */
    TERMINATE_GRACE,
    /** User-initiated: we did not accept in time, or Meta never confirmed our accept. */
    ACCEPT_WINDOW
}
