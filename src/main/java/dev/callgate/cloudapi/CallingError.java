package dev.callgate.cloudapi;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Graph and Calling API error codes Callgate knows by name (spec §5.2), with the HTTP status Meta documents for
 * each. Callers branch on these, never on message strings.
 */
public enum CallingError {
    INVALID_PARAMETER(100, 400),
    INVALID_ACCESS_TOKEN(190, 401),
    PERMISSION_FETCH_RATE_LIMIT(613, 429),
    VOICE_CALL_UNSUPPORTED_COUNTRY(131009, 400),
    PERMISSION_REQUEST_UNSUPPORTED_CLIENT(131026, 400),
    RECIPIENT_NOT_ALLOWED(131030, 400),
    NO_PAYMENT_METHOD(131044, 400),
    SIP_ENABLED(131055, 400),
    CALLING_NOT_ENABLED(138000, 401),
    RECEIVER_UNCALLABLE(138001, 400),
    CONCURRENT_CALL_LIMIT(138002, 429),
    DUPLICATE_CALL(138003, 400),
    CONNECTION_ERROR(138004, 500),
    INITIATION_RATE_LIMIT(138005, 429),
    NO_CALL_PERMISSION(138006, 401),
    CONNECT_TIMEOUT(138007, 500),
    PERMISSION_REQUEST_LIMIT(138009, 400),
    CONNECTED_CALL_LIMIT(138012, 400),
    BUSINESS_CALLING_UNAVAILABLE(138013, 400),
    CALLING_DISABLED_LOW_QUALITY(138014, 400),
    CALLING_CANNOT_BE_ENABLED(138015, 400),
    PERMANENT_PERMISSION_EXISTS(138017, 400),
    PREREQUISITES_NOT_MET(138018, 400),
    CLIENT_SETUP_FAILED(138019, 400),
    RELAY_CONNECTION_FAILED(138020, 400),
    MEDIA_RECEIVE_TIMEOUT(138021, 400),
    MEDIA_TRANSMIT_TIMEOUT(138022, 400),
    NO_MEDIA_AFTER_ACCEPT(138023, 400),
    /** A code not in this table. */
    UNKNOWN(0, 0);

    private static final Map<Integer, CallingError> BY_CODE = Arrays.stream(values())
            .filter(e -> e != UNKNOWN)
            .collect(Collectors.toUnmodifiableMap(CallingError::code, Function.identity()));

    private final int code;
    private final int httpStatus;

    CallingError(int code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public int code() {
        return code;
    }

    /** The HTTP status Meta documents for this code. */
    public int httpStatus() {
        return httpStatus;
    }

    public static CallingError of(int code) {
        return BY_CODE.getOrDefault(code, UNKNOWN);
    }
}
