package dev.callgate.call;

/**
 * Something that happened to a call and may move its state: a command, a webhook, a Cloud API answer, a media report
 * or a timer. The inputs of {@link CallStateMachine}.
 */
public sealed interface CallSignal {

    // ---- commands ---------------------------------------------------------------------------------------------

    /** Place the business-initiated call (the command was stored). */
    record Initiate() implements CallSignal {
    }

    /** Hang up (command or REST), whatever the state. */
    record HangUp() implements CallSignal {
    }

    /** Accept the user-initiated call. */
    record Accept() implements CallSignal {
    }

    /** Decline the user-initiated call. */
    record Reject() implements CallSignal {
    }

    /**
     * What we know of the user's call permission says Meta would refuse the call (check-before-call): it ends
     * PERMISSION_DENIED before anything is sent.
     */
    record NoPermissionKnown() implements CallSignal {
    }

    // ---- media ------------------------------------------------------------------------------------------------

    /** The media worker has our SDP (an offer for a business-initiated call, an answer for a user-initiated one). */
    record LocalSdpReady(String sdp) implements CallSignal {
    }

    /** The media worker could not take the call (over capacity, WebRTC failure). */
    record MediaRefused(String reason) implements CallSignal {
    }

    /** ICE and DTLS are up: audio flows. */
    record MediaConnected() implements CallSignal {
    }

    /**
     * The user's audio reaches us (sustained, above silence). On a business-initiated call that is the pick-up, even
     * when Meta's ACCEPTED status comes late or never ("mainly for auditing", spec §1.1).
     */
    record UserAudioHeard() implements CallSignal {
    }

    /** The PeerConnection failed or its owner is gone. */
    record MediaFailed(String reason) implements CallSignal {
    }

    // ---- Cloud API answers ------------------------------------------------------------------------------------

    /** {@code connect} returned the WhatsApp call id. */
    record ConnectSent(String whatsappCallId) implements CallSignal {
    }

    /** {@code connect} was refused with a Graph error. */
    record ConnectRefused(int code, String message) implements CallSignal {
    }

    /**
     * {@code connect} got no usable answer. When {@code mayExistAtMeta} (a timeout after the request left, a 5xx) the
     * call may be ringing: it waits for a webhook that names it by its {@code biz_opaque_callback_data} correlation
     * (then {@link ConnectSent}), bounded by the ring timeout; otherwise (the request never left) it ends FAILED.
     *
     * @param code    the Graph error code of a 5xx, or null
     * @param message what went wrong, or null
     */
    record ConnectOutcomeUnknown(String reason, boolean mayExistAtMeta, Integer code, String message)
            implements CallSignal {

        /** The request certainly never reached Meta. */
        public ConnectOutcomeUnknown(String reason) {
            this(reason, false, null, null);
        }
    }

    /** {@code accept} succeeded. */
    record AcceptSent() implements CallSignal {
    }

    // ---- webhooks ---------------------------------------------------------------------------------------------

    /** The connect webhook of a business-initiated call: Meta's SDP answer. */
    record AnswerReceived(String sdp) implements CallSignal {
    }

    /** The connect webhook of a user-initiated call: the user's SDP offer. */
    record OfferReceived(String sdp) implements CallSignal {
    }

    /** Status RINGING. */
    record Ringing() implements CallSignal {
    }

    /** Status ACCEPTED: the user picked up. */
    record Accepted() implements CallSignal {
    }

    /** Status REJECTED: the user declined. */
    record Rejected() implements CallSignal {
    }

    /**
     * The terminate webhook (spec §4.4).
     *
     * @param failed          Meta's {@code status} is FAILED (any case), or an error came with it
     * @param durationSeconds Meta's {@code duration}: present only when the call was picked up
     * @param errorCode       the first error (item-level or value-level; 138019–138023 …), or null
     * @param metaStartTime   Meta's {@code start_time}, or null
     * @param metaEndTime     Meta's {@code end_time}, or null
     */
    record Terminated(boolean failed, Long durationSeconds, Integer errorCode, String errorMessage,
                      java.time.Instant metaStartTime, java.time.Instant metaEndTime) implements CallSignal {

        /** Status COMPLETED unless an error code is given; no times. */
        public Terminated(Long durationSeconds, Integer errorCode, String errorMessage) {
            this(errorCode != null, durationSeconds, errorCode, errorMessage, null, null);
        }
    }

    /**
     * Meta answered our terminate (or reject): it took it, or ({@code alreadyEnded}) the call had ended there before
     * — then the user (or Meta) ended it first.
     */
    record MetaEndConfirmed(boolean alreadyEnded) implements CallSignal {
    }

    // ---- timers -----------------------------------------------------------------------------------------------

    /** A timer the machine started has fired. */
    record TimerFired(CallTimer timer) implements CallSignal {
    }
}
