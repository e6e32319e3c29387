package dev.callgate.contract;

/** The lifecycle events Callgate publishes on {@code callgate.events} (CloudEvents type {@code dev.callgate.call.<name>}). */
public enum CallEventType {
    REQUESTED, DIALING, RINGING, ACCEPTED, CONNECTED, INCOMING, ENDED,
    /** Meta's recording of the call is ready ({@code call_recording_available}): its media id. */
    RECORDING_AVAILABLE,
    /** Meta's transcript of the call is ready ({@code call_transcription_available}): its media id. */
    TRANSCRIPTION_AVAILABLE,
    /**
     * Meta's terminate webhook arrived after the call had already ended (the terminate grace ran out, the broker or
     * the database was away): what Meta said — status, billed duration, times — beside Callgate's final outcome.
     */
    RECONCILED,
    /** The call's audio stream to an application opened: stream id, URL (no query), protocol, format. */
    STREAM_STARTED("stream.started"),
    /** The call's audio stream ended, with the reason (call_ended, stopped, application_closed, …). */
    STREAM_STOPPED("stream.stopped");

    private final String suffix;

    CallEventType() {
        this.suffix = null;
    }

    CallEventType(String suffix) {
        this.suffix = suffix;
    }

    /** The CloudEvents {@code type}. */
    public String cloudEventType() {
        return "dev.callgate.call." + (suffix != null ? suffix : name().toLowerCase(java.util.Locale.ROOT));
    }
}
