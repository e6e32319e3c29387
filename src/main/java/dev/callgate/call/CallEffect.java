package dev.callgate.call;

import dev.callgate.contract.CallEventType;

/**
 * What must happen after a transition is committed. Effects follow from committed state and are safe to repeat:
 * a crash after the commit and before an effect re-runs it.
 */
public sealed interface CallEffect {

    /** Media: create a PeerConnection and our SDP offer (full ICE gathering). */
    record CreateOffer() implements CallEffect {
    }

    /** Media: create a PeerConnection for the user's offer and our answer. */
    record CreateAnswer(String remoteOfferSdp) implements CallEffect {
    }

    /** Media: apply Meta's SDP answer to our PeerConnection. */
    record ApplyAnswer(String sdp) implements CallEffect {
    }

    /**
     * Media: start sending the call's tone or prompt, from its beginning, when the call becomes ACTIVE. Until then a
     * business-initiated call sends silence while the phone rings (the prompt is not wasted on a ringing phone), and a
     * user-initiated call sends no RTP at all: its audio starts only once {@code accept} returned 200 (spec §1).
     */
    record PlayMedia() implements CallEffect {
    }

    /**
     * Media: the call's audio goes to its application's stream from now on (a {@code call.stream.start} on an active
     * call); the orchestrator decides it, not the state machine.
     */
    record StartStream() implements CallEffect {
    }

    /** Media: the call's stream ends ({@code call.stream.stop}); the call goes on, silent. */
    record StopStream() implements CallEffect {
    }

    /** Media: close the PeerConnection and every native object of the call. */
    record CloseMedia() implements CallEffect {
    }

    /** Cloud API: {@code connect} with our offer. */
    record SendConnect(String offerSdp) implements CallEffect {
    }

    /** Cloud API: {@code pre_accept} with our answer. */
    record SendPreAccept(String answerSdp) implements CallEffect {
    }

    /** Cloud API: {@code accept} with our answer (the same SDP as the pre_accept). */
    record SendAccept(String answerSdp) implements CallEffect {
    }

    /** Cloud API: {@code reject}. */
    record SendReject() implements CallEffect {
    }

    /** Cloud API: {@code terminate} (also after an RTCP BYE: Meta bills by it). */
    record SendTerminate() implements CallEffect {
    }

    /** Outbox: publish a lifecycle event on {@code callgate.events}. */
    record Publish(CallEventType type) implements CallEffect {
    }

    record StartTimer(CallTimer timer) implements CallEffect {
    }

    record CancelTimer(CallTimer timer) implements CallEffect {
    }
}
