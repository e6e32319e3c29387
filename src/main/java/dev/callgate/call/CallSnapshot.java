package dev.callgate.call;

/**
 * What {@link CallStateMachine} knows of a call: its state and the facts that decide later transitions. Immutable;
 * the persisted call row maps to and from it.
 *
 * @param whatsappCallId  Meta's call id, once known
 * @param localSdp        our offer (business-initiated) or answer (user-initiated)
 * @param answerApplied   Meta's answer was handed to media (business-initiated)
 * @param mediaUp         ICE and DTLS connected
 * @param pickedUp        the user answered (ACCEPTED) or we accepted
 * @param acceptRequested user-initiated: accept was asked for before our answer was ready
 * @param pendingOutcome  the outcome the call will end with once the terminate webhook (or the grace timer) comes:
 *                        set when we hang up, or when the user rejects
 * @param pendingReason   reason that goes with a pending FAILED
 * @param outcome         set once ENDED
 * @param failureReason   why a FAILED call failed (media_lost, connect_refused, whatsapp_error, …)
 * @param errorCode       the WhatsApp error code behind a failure, never flattened
 * @param errorMessage    the WhatsApp error message behind a failure
 * @param durationSeconds the talk time Meta reported on terminate
 * @param metaEnd         what Meta answered to our terminate or reject ({@link MetaEnd})
 * @param metaTerminate   Meta's terminate webhook, once it came (null before)
 */
public record CallSnapshot(CallDirection direction, CallState state, String whatsappCallId, String localSdp,
                           boolean answerApplied, boolean mediaUp, boolean pickedUp, boolean acceptRequested,
                           CallOutcome pendingOutcome, String pendingReason, CallOutcome outcome,
                           String failureReason, Integer errorCode, String errorMessage, Long durationSeconds,
                           MetaEnd metaEnd, MetaTerminate metaTerminate) {

    /** What Meta's terminate webhook said: whether the call FAILED there, and the talk time it bills. */
    public record MetaTerminate(boolean failed, Long durationSeconds) {

        /** Connected and billed at Meta: not failed, with a duration. */
        public boolean connected() {
            return !failed && durationSeconds != null;
        }
    }

    /** A business-initiated call whose command has just been stored. */
    public static CallSnapshot requested() {
        return new CallSnapshot(CallDirection.BUSINESS_INITIATED, CallState.REQUESTED, null, null, false, false, false,
                false, null, null, null, null, null, null, null, MetaEnd.OPEN, null);
    }

    CallSnapshot withState(CallState next) {
        return new CallSnapshot(direction, next, whatsappCallId, localSdp, answerApplied, mediaUp, pickedUp,
                acceptRequested, pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage,
                durationSeconds, metaEnd, metaTerminate);
    }

    CallSnapshot withCallId(String id) {
        return new CallSnapshot(direction, state, id, localSdp, answerApplied, mediaUp, pickedUp, acceptRequested,
                pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage, durationSeconds, metaEnd, metaTerminate);
    }

    CallSnapshot withLocalSdp(String sdp) {
        return new CallSnapshot(direction, state, whatsappCallId, sdp, answerApplied, mediaUp, pickedUp,
                acceptRequested, pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage,
                durationSeconds, metaEnd, metaTerminate);
    }

    CallSnapshot withAnswerApplied() {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, true, mediaUp, pickedUp, acceptRequested,
                pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage, durationSeconds, metaEnd, metaTerminate);
    }

    CallSnapshot withMediaUp() {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, answerApplied, true, pickedUp,
                acceptRequested, pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage,
                durationSeconds, metaEnd, metaTerminate);
    }

    CallSnapshot withPickedUp() {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, answerApplied, mediaUp, true,
                acceptRequested, pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage,
                durationSeconds, metaEnd, metaTerminate);
    }

    CallSnapshot withAcceptRequested() {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, answerApplied, mediaUp, pickedUp, true,
                pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage, durationSeconds, metaEnd, metaTerminate);
    }

    /** Keeps a Graph error seen before the end (a connect whose outcome is unknown) for the end to report. */
    CallSnapshot withError(Integer code, String message) {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, answerApplied, mediaUp, pickedUp,
                acceptRequested, pendingOutcome, pendingReason, outcome, failureReason, code, message,
                durationSeconds, metaEnd, metaTerminate);
    }

    CallSnapshot withPending(CallOutcome pending, String reason) {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, answerApplied, mediaUp, pickedUp,
                acceptRequested, pending, reason, outcome, failureReason, errorCode, errorMessage, durationSeconds, metaEnd, metaTerminate);
    }

    CallSnapshot ended(CallOutcome finalOutcome, String reason, Integer code, String message, Long duration) {
        return new CallSnapshot(direction, CallState.ENDED, whatsappCallId, localSdp, answerApplied, mediaUp,
                pickedUp, acceptRequested, pendingOutcome, pendingReason, finalOutcome, reason, code, message,
                duration, metaEnd, metaTerminate);
    }

    CallSnapshot withMetaEnd(MetaEnd end) {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, answerApplied, mediaUp, pickedUp,
                acceptRequested, pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage,
                durationSeconds, end, metaTerminate);
    }

    CallSnapshot withMetaTerminate(MetaTerminate terminate) {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, answerApplied, mediaUp, pickedUp,
                acceptRequested, pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage,
                durationSeconds, metaEnd, terminate);
    }

    /** Meta had ended the call before our terminate reached it: it answered "already ended". */
    boolean endedAtMetaFirst() {
        return metaEnd == MetaEnd.ENDED_FIRST;
    }
}
