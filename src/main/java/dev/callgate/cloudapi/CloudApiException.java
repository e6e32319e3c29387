package dev.callgate.cloudapi;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Meta answered with a Graph error envelope ({@code {"error":{…}}}). Carries everything Meta said; the access token
 * never appears in it.
 */
public class CloudApiException extends RuntimeException {

    private static final Pattern EPOCH_SECONDS = Pattern.compile("\\b(1\\d{9})\\b");
    private static final Pattern ISO_INSTANT =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})");

    private final String action;
    private final int httpStatus;
    private final int code;
    private final Integer subcode;
    private final String type;
    private final String graphMessage;
    private final String fbtraceId;
    private final String details;

    public CloudApiException(String action, int httpStatus, int code, Integer subcode, String type, String message,
                             String fbtraceId, String details) {
        super(action + " failed: HTTP " + httpStatus + ", code " + code + (subcode == null ? "" : "/" + subcode)
                + " (" + CallingError.of(code) + "): " + message + (details == null ? "" : " — " + details)
                + (fbtraceId == null ? "" : " [fbtrace_id " + fbtraceId + "]"));
        this.action = action;
        this.httpStatus = httpStatus;
        this.code = code;
        this.subcode = subcode;
        this.type = type;
        this.graphMessage = message;
        this.fbtraceId = fbtraceId;
        this.details = details;
    }

    /** The Callgate action that failed: connect, accept, call_permissions, … */
    public String action() {
        return action;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int code() {
        return code;
    }

    public CallingError error() {
        return CallingError.of(code);
    }

    public Optional<Integer> subcode() {
        return Optional.ofNullable(subcode);
    }

    public String type() {
        return type;
    }

    /** Meta's {@code error.message}. */
    public String graphMessage() {
        return graphMessage;
    }

    public Optional<String> fbtraceId() {
        return Optional.ofNullable(fbtraceId);
    }

    /** {@code error.error_data.details}: SDP validation failures, the 138012 next allowed time, … */
    public Optional<String> details() {
        return Optional.ofNullable(details);
    }

    /** Whether a retry may succeed: 5xx and 429. */
    public boolean transientFailure() {
        return httpStatus >= 500 || httpStatus == 429;
    }

    /**
     * For {@link CallingError#CONNECTED_CALL_LIMIT} (and any other error whose details name a time): the time the
     * next call is allowed, read from the details as Unix seconds or an ISO-8601 instant.
     */
    public Optional<Instant> nextAllowedAt() {
        if (details == null) {
            return Optional.empty();
        }
        Matcher iso = ISO_INSTANT.matcher(details);
        if (iso.find()) {
            try {
                return Optional.of(java.time.OffsetDateTime.parse(iso.group()).toInstant());
            } catch (java.time.format.DateTimeParseException ignored) {
                // fall through to epoch seconds
            }
        }
        Matcher epoch = EPOCH_SECONDS.matcher(details);
        return epoch.find() ? Optional.of(Instant.ofEpochSecond(Long.parseLong(epoch.group(1)))) : Optional.empty();
    }
}
