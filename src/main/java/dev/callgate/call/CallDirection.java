package dev.callgate.call;

/** Who placed the call. */
public enum CallDirection {
    BUSINESS_INITIATED, USER_INITIATED
}
