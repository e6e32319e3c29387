package dev.callgate.call;

import dev.callgate.contract.CallEventType;

import dev.callgate.call.CallEffect.ApplyAnswer;
import dev.callgate.call.CallEffect.CancelTimer;
import dev.callgate.call.CallEffect.CloseMedia;
import dev.callgate.call.CallEffect.CreateAnswer;
import dev.callgate.call.CallEffect.CreateOffer;
import dev.callgate.call.CallEffect.Publish;
import dev.callgate.call.CallEffect.PlayMedia;
import dev.callgate.call.CallEffect.SendAccept;
import dev.callgate.call.CallEffect.SendConnect;
import dev.callgate.call.CallEffect.SendPreAccept;
import dev.callgate.call.CallEffect.SendReject;
import dev.callgate.call.CallEffect.SendTerminate;
import dev.callgate.call.CallEffect.StartTimer;
import dev.callgate.call.CallSignal.Accept;
import dev.callgate.call.CallSignal.AcceptSent;
import dev.callgate.call.CallSignal.Accepted;
import dev.callgate.call.CallSignal.AnswerReceived;
import dev.callgate.call.CallSignal.ConnectOutcomeUnknown;
import dev.callgate.call.CallSignal.ConnectRefused;
import dev.callgate.call.CallSignal.ConnectSent;
import dev.callgate.call.CallSignal.HangUp;
import dev.callgate.call.CallSignal.Initiate;
import dev.callgate.call.CallSignal.LocalSdpReady;
import dev.callgate.call.CallSignal.MediaConnected;
import dev.callgate.call.CallSignal.MediaFailed;
import dev.callgate.call.CallSignal.MediaRefused;
import dev.callgate.call.CallSignal.OfferReceived;
import dev.callgate.call.CallSignal.Reject;
import dev.callgate.call.CallSignal.Rejected;
import dev.callgate.call.CallSignal.Ringing;
import dev.callgate.call.CallSignal.Terminated;
import dev.callgate.call.CallSignal.TimerFired;

import java.util.ArrayList;
import java.util.List;

import static dev.callgate.call.CallState.ACCEPTING;
import static dev.callgate.call.CallState.ACTIVE;
import static dev.callgate.call.CallState.CONNECTING;
import static dev.callgate.call.CallState.DIALING;
import static dev.callgate.call.CallState.ENDED;
import static dev.callgate.call.CallState.INCOMING;
import static dev.callgate.call.CallState.OFFERING;
import static dev.callgate.call.CallState.PRE_ACCEPTED;
import static dev.callgate.call.CallState.REQUESTED;
import static dev.callgate.call.CallState.RINGING;
import static dev.callgate.call.CallState.TERMINATING;

/**
 * The call state machine as a pure function: {@code (call, signal) → (call, effects)}. No I/O, no clock, no
 * randomness. Every (state, signal) pair has a defined result; what does not apply (a duplicate, a late webhook, a
 * stale timer, anything after ENDED) leaves the call unchanged with no effects, so replaying a signal is always safe.
 */
public final class CallStateMachine {

    /** The result of one step. {@code changed} is false exactly when the call and the effects are untouched. */
    public record Transition(CallSnapshot call, List<CallEffect> effects, boolean changed) {

        static Transition unchanged(CallSnapshot call) {
            return new Transition(call, List.of(), false);
        }

        static Transition to(CallSnapshot call, CallEffect... effects) {
            return new Transition(call, List.of(effects), true);
        }
    }

    private CallStateMachine() {
    }

    /** A user-initiated call arrives (connect webhook with the user's offer). */
    public static Transition incoming(String whatsappCallId, String offerSdp) {
        CallSnapshot call = new CallSnapshot(CallDirection.USER_INITIATED, INCOMING, whatsappCallId, null, false, false,
                false,
                false, null, null, null, null, null, null, null, MetaEnd.OPEN, null);
        return Transition.to(call, new CreateAnswer(offerSdp), new StartTimer(CallTimer.ACCEPT_WINDOW),
                new Publish(CallEventType.INCOMING));
    }

    public static Transition next(CallSnapshot call, CallSignal signal) {
        if (signal instanceof CallSignal.MetaEndConfirmed confirmed) {
            // kept for the end (terminateConfirmed, and whose hang-up it was) — also when the grace already ended the
            // call and the terminate was retried since; the terminate webhook still decides the outcome
            MetaEnd end = confirmed.alreadyEnded() ? MetaEnd.ENDED_FIRST : MetaEnd.CONFIRMED;
            if (call.metaEnd() != MetaEnd.OPEN) {
                return Transition.unchanged(call);
            }
            if (call.state() == TERMINATING && call.metaTerminate() != null) {
                // Meta's terminate came first and waited for this answer (see terminated): now it is clear whose
                // end it was
                return endAsMetaSays(call.withMetaEnd(end), call.metaTerminate());
            }
            return Transition.to(call.withMetaEnd(end));
        }
        if (call.state() == ENDED) {
            return Transition.unchanged(call); // late, duplicate or out-of-order: the end is final
        }
        if (signal instanceof Initiate) {
            return call.state() == REQUESTED
                    ? Transition.to(call.withState(OFFERING), new CreateOffer(),
                    new StartTimer(CallTimer.OFFER_TIMEOUT), new Publish(CallEventType.REQUESTED))
                    : Transition.unchanged(call);
        }
        if (signal instanceof CallSignal.NoPermissionKnown) {
            return call.state() == REQUESTED
                    ? end(call, CallOutcome.PERMISSION_DENIED, "no_call_permission_known", null,
                    "the user has not granted call permission (known to Callgate); Meta was not asked", null)
                    : Transition.unchanged(call);
        }
        if (signal instanceof LocalSdpReady ready) {
            return localSdpReady(call, ready.sdp());
        }
        if (signal instanceof MediaRefused refused) {
            return mediaRefused(call, refused.reason());
        }
        if (signal instanceof MediaConnected) {
            return mediaConnected(call);
        }
        if (signal instanceof CallSignal.UserAudioHeard) {
            return userAudioHeard(call);
        }
        if (signal instanceof MediaFailed failed) {
            return mediaFailed(call, failed.reason());
        }
        if (signal instanceof ConnectSent sent) {
            return connectSent(call, sent.whatsappCallId());
        }
        if (signal instanceof ConnectRefused refused) {
            return connectRefused(call, refused);
        }
        if (signal instanceof ConnectOutcomeUnknown unknown) {
            return connectUnknown(call, unknown);
        }
        if (signal instanceof AnswerReceived answer) {
            return answerReceived(call, answer.sdp());
        }
        if (signal instanceof OfferReceived) {
            return Transition.unchanged(call); // only ever starts a call: see incoming()
        }
        if (signal instanceof Ringing) {
            return call.state() == DIALING
                    ? Transition.to(call.withState(RINGING), new Publish(CallEventType.RINGING))
                    : Transition.unchanged(call);
        }
        if (signal instanceof Accepted) {
            return accepted(call);
        }
        if (signal instanceof Rejected) {
            return rejected(call);
        }
        if (signal instanceof Terminated terminated) {
            return terminated(call, terminated);
        }
        if (signal instanceof HangUp) {
            return hangUp(call);
        }
        if (signal instanceof Accept) {
            return accept(call);
        }
        if (signal instanceof AcceptSent) {
            return acceptSent(call);
        }
        if (signal instanceof Reject) {
            return reject(call);
        }
        if (signal instanceof TimerFired fired) {
            return timer(call, fired.timer());
        }
        throw new IllegalArgumentException("unknown signal " + signal); // CallSignal is sealed: unreachable
    }

    // ---- business-initiated set-up ---------------------------------------------------------------------------------

    private static Transition localSdpReady(CallSnapshot call, String sdp) {
        if (call.direction() == CallDirection.BUSINESS_INITIATED && call.state() == OFFERING) {
            return Transition.to(call.withLocalSdp(sdp).withState(DIALING), new SendConnect(sdp),
                    new CancelTimer(CallTimer.OFFER_TIMEOUT), new StartTimer(CallTimer.RING_TIMEOUT),
                    new Publish(CallEventType.DIALING));
        }
        if (call.direction() == CallDirection.USER_INITIATED && call.state() == INCOMING) {
            return call.acceptRequested()
                    ? Transition.to(call.withLocalSdp(sdp).withState(ACCEPTING), new SendPreAccept(sdp),
                    new SendAccept(sdp))
                    : Transition.to(call.withLocalSdp(sdp).withState(PRE_ACCEPTED), new SendPreAccept(sdp));
        }
        return Transition.unchanged(call);
    }

    private static Transition connectSent(CallSnapshot call, String id) {
        if (call.whatsappCallId() != null || id == null
                || (call.state() != DIALING && call.state() != TERMINATING)) {
            return Transition.unchanged(call);
        }
        // We hung up while connect was in flight: now that the call has an id, terminate it at Meta.
        return call.state() == TERMINATING
                ? Transition.to(call.withCallId(id), new SendTerminate())
                : Transition.to(call.withCallId(id));
    }

    private static Transition connectRefused(CallSnapshot call, ConnectRefused refused) {
        if (call.state() == TERMINATING) {
            return end(call, call.pendingOutcome(), call.pendingReason(), null, null, null);
        }
        if (call.state() != DIALING) {
            return Transition.unchanged(call);
        }
        return refused.code() == 138006
                ? end(call, CallOutcome.PERMISSION_DENIED, "no_call_permission", refused.code(), refused.message(), null)
                : end(call, CallOutcome.FAILED, "connect_refused", refused.code(), refused.message(), null);
    }

    private static Transition connectUnknown(CallSnapshot call, ConnectOutcomeUnknown unknown) {
        if (call.state() == TERMINATING && call.whatsappCallId() == null && !unknown.mayExistAtMeta()) {
            return end(call, call.pendingOutcome(), call.pendingReason(), null, null, null);
        }
        if (call.state() != DIALING || call.whatsappCallId() != null) {
            return Transition.unchanged(call);
        }
        if (unknown.mayExistAtMeta()) {
            // the call may ring at Meta: a webhook carrying our correlation names it (ConnectSent), else the ring
            // timeout ends it FAILED(connect_outcome_unknown)
            return unknown.code() == null && unknown.message() == null ? Transition.unchanged(call)
                    : Transition.to(call.withError(unknown.code(), unknown.message()));
        }
        return end(call, CallOutcome.FAILED, unknown.reason(), unknown.code(), unknown.message(), null);
    }

    private static Transition answerReceived(CallSnapshot call, String sdp) {
        if (call.direction() != CallDirection.BUSINESS_INITIATED || call.answerApplied()
                || !(call.state() == DIALING || call.state() == RINGING || call.state() == CONNECTING)) {
            return Transition.unchanged(call);
        }
        CallSnapshot applied = call.withAnswerApplied();
        return call.state() == DIALING
                ? Transition.to(applied.withState(RINGING), new ApplyAnswer(sdp), new Publish(CallEventType.RINGING))
                : Transition.to(applied, new ApplyAnswer(sdp));
    }

    /** Meta's ACCEPTED status: the user picked up (unless the user's audio told us first). */
    private static Transition accepted(CallSnapshot call) {
        return pickedUp(call, false);
    }

    /**
     * The user's audio arrived on a business-initiated call that has not been picked up as far as we know: the user
     * did pick up (ACCEPTED is late or lost). The call is ACTIVE now and its audio starts; a later ACCEPTED changes
     * nothing, and the terminate that ends it is COMPLETED, never NO_ANSWER.
     */
    private static Transition userAudioHeard(CallSnapshot call) {
        return pickedUp(call, true);
    }

    /**
     * The pick-up of a business-initiated call, by whichever sign came first: with media up the call is ACTIVE and its
     * audio starts from its beginning; without, CONNECTING until media connects. {@code mediaEvidence}: the sign is
     * the user's audio itself, so media is up.
     */
    private static Transition pickedUp(CallSnapshot call, boolean mediaEvidence) {
        if (call.direction() != CallDirection.BUSINESS_INITIATED || call.pickedUp()) {
            return Transition.unchanged(call);
        }
        if (call.state() == TERMINATING) {
            return Transition.to(call.withPickedUp()); // the user picked up as we hung up
        }
        if (call.state() != DIALING && call.state() != RINGING) {
            return Transition.unchanged(call);
        }
        CallSnapshot picked = (mediaEvidence && !call.mediaUp() ? call.withMediaUp() : call).withPickedUp();
        return picked.mediaUp()
                ? Transition.to(picked.withState(ACTIVE), new CancelTimer(CallTimer.RING_TIMEOUT), new PlayMedia(),
                new StartTimer(CallTimer.MAX_DURATION), new Publish(CallEventType.ACCEPTED),
                new Publish(CallEventType.CONNECTED))
                : Transition.to(picked.withState(CONNECTING), new CancelTimer(CallTimer.RING_TIMEOUT),
                new StartTimer(CallTimer.CONNECT_TIMEOUT), new Publish(CallEventType.ACCEPTED));
    }

    private static Transition rejected(CallSnapshot call) {
        if (call.direction() == CallDirection.BUSINESS_INITIATED && call.pendingOutcome() == null
                && (call.state() == DIALING || call.state() == RINGING)) {
            return Transition.to(call.withPending(CallOutcome.REJECTED, "rejected")); // the terminate webhook follows
        }
        return Transition.unchanged(call);
    }

    // ---- media -----------------------------------------------------------------------------------------------------

    private static Transition mediaRefused(CallSnapshot call, String reason) {
        if (call.state() == OFFERING) {
            return end(call, CallOutcome.FAILED, reason, null, null, null);
        }
        if (call.state() == INCOMING) {
            return terminating(call, CallOutcome.FAILED, reason, new SendReject());
        }
        return Transition.unchanged(call);
    }

    private static Transition mediaConnected(CallSnapshot call) {
        if (call.mediaUp()) {
            return Transition.unchanged(call);
        }
        CallSnapshot up = call.withMediaUp();
        return switch (call.state()) {
            case CONNECTING -> Transition.to(up.withState(ACTIVE), new CancelTimer(CallTimer.CONNECT_TIMEOUT),
                    new PlayMedia(), new StartTimer(CallTimer.MAX_DURATION), new Publish(CallEventType.CONNECTED));
            case DIALING, RINGING, PRE_ACCEPTED, ACCEPTING -> Transition.to(up);
            default -> Transition.unchanged(call);
        };
    }

    private static Transition mediaFailed(CallSnapshot call, String reason) {
        return switch (call.state()) {
            case OFFERING -> end(call, CallOutcome.FAILED, reason, null, null, null);
            case DIALING, RINGING, CONNECTING, ACTIVE, ACCEPTING -> terminating(call, CallOutcome.FAILED, reason,
                    terminateIfKnown(call));
            case INCOMING, PRE_ACCEPTED -> terminating(call, CallOutcome.FAILED, reason, new SendReject());
            default -> Transition.unchanged(call);
        };
    }

    // ---- hanging up and the end ------------------------------------------------------------------------------------

    private static Transition hangUp(CallSnapshot call) {
        return switch (call.state()) {
            case REQUESTED, OFFERING -> end(call, CallOutcome.CANCELLED, "hung_up", null, null, null);
            case DIALING, RINGING -> terminating(call, CallOutcome.CANCELLED, "hung_up", terminateIfKnown(call));
            case CONNECTING, ACTIVE, ACCEPTING -> terminating(call, CallOutcome.COMPLETED, "hung_up",
                    new SendTerminate());
            case INCOMING, PRE_ACCEPTED -> terminating(call, CallOutcome.REJECTED, "hung_up", new SendReject());
            default -> Transition.unchanged(call);
        };
    }

    private static Transition terminated(CallSnapshot call, Terminated webhook) {
        if (call.state() == REQUESTED || call.state() == OFFERING) {
            return Transition.unchanged(call); // no call at Meta yet: cannot be ours
        }
        if (webhook.errorCode() != null) {
            String reason = call.state() == TERMINATING && call.pendingOutcome() == CallOutcome.FAILED
                    ? call.pendingReason() : "whatsapp_error"; // our own failure reason is the more precise one
            return end(call, CallOutcome.FAILED, reason, webhook.errorCode(), webhook.errorMessage(),
                    webhook.durationSeconds());
        }
        if (webhook.failed() && call.state() != TERMINATING && call.pendingOutcome() != CallOutcome.REJECTED) {
            // Meta says FAILED and gives no error: a failure all the same, never COMPLETED or NO_ANSWER
            return end(call, CallOutcome.FAILED, "whatsapp_failed", null,
                    "WhatsApp reported the call FAILED without an error", webhook.durationSeconds());
        }
        if (call.state() == TERMINATING) {
            CallSnapshot.MetaTerminate meta = new CallSnapshot.MetaTerminate(webhook.failed(), webhook.durationSeconds());
            if (call.pendingOutcome() == CallOutcome.FAILED && meta.connected() && call.metaEnd() == MetaEnd.OPEN) {
                // we are ending the call for a failure we saw (the media), Meta says it was connected and ended, and
                // our terminate has not been answered yet: was it our terminate that ended it, or had the user hung
                // up first (the PeerConnection failing because the phone went away, the webhook delayed by an
                // outage)? Meta's answer to the terminate tells ("already ended": the user's) — wait for it, within
                // the grace
                return Transition.to(call.withMetaTerminate(meta));
            }
            return endAsMetaSays(call, meta);
        }
        if (call.pickedUp() || webhook.durationSeconds() != null) {
            return end(call, CallOutcome.COMPLETED, null, null, null, webhook.durationSeconds());
        }
        if (call.pendingOutcome() == CallOutcome.REJECTED) {
            return end(call, CallOutcome.REJECTED, "rejected", null, null, null);
        }
        return end(call, CallOutcome.NO_ANSWER, "not_answered", null, null, null);
    }

    private static Transition endAsMetaSays(CallSnapshot call, CallSnapshot.MetaTerminate meta) {
        return end(call, outcomeByMeta(call, meta), call.pendingReason(), null, null, meta.durationSeconds());
    }

    /**
     * Meta's terminate decides how a call we were ending ended: a call Meta reports COMPLETED with a duration was
     * connected and billed — a hang-up while ringing (CANCELLED) or our ring timeout crossing the pick-up (NO_ANSWER)
     * end COMPLETED, keeping Callgate's reason. A failure of ours (FAILED) stays FAILED — we ended a call Meta
     * considered fine — unless Meta had ended the call before our terminate reached it (it answered "already
     * ended"): then the failure we saw was the user's hang-up (the PeerConnection failing before Meta's delayed
     * webhook), and the call COMPLETED.
     */
    private static CallOutcome outcomeByMeta(CallSnapshot call, CallSnapshot.MetaTerminate meta) {
        CallOutcome pending = call.pendingOutcome();
        boolean connectedAtMeta = meta.connected();
        if (pending == CallOutcome.CANCELLED && (call.pickedUp() || connectedAtMeta)) {
            return CallOutcome.COMPLETED;
        }
        if (pending == CallOutcome.NO_ANSWER && connectedAtMeta) {
            return CallOutcome.COMPLETED;
        }
        if (pending == CallOutcome.FAILED && connectedAtMeta && call.endedAtMetaFirst()) {
            return CallOutcome.COMPLETED;
        }
        return pending;
    }

    // ---- user-initiated --------------------------------------------------------------------------------------------

    private static Transition accept(CallSnapshot call) {
        if (call.direction() != CallDirection.USER_INITIATED) {
            return Transition.unchanged(call);
        }
        if (call.state() == INCOMING && !call.acceptRequested()) {
            return Transition.to(call.withAcceptRequested()); // accepted as soon as our answer is ready
        }
        if (call.state() == PRE_ACCEPTED) {
            return Transition.to(call.withState(ACCEPTING), new SendAccept(call.localSdp()));
        }
        return Transition.unchanged(call);
    }

    private static Transition acceptSent(CallSnapshot call) {
        if (call.state() != ACCEPTING) {
            return Transition.unchanged(call);
        }
        CallSnapshot picked = call.withPickedUp();
        return call.mediaUp()
                ? Transition.to(picked.withState(ACTIVE), new CancelTimer(CallTimer.ACCEPT_WINDOW),
                new PlayMedia(), new StartTimer(CallTimer.MAX_DURATION), new Publish(CallEventType.ACCEPTED),
                new Publish(CallEventType.CONNECTED))
                : Transition.to(picked.withState(CONNECTING), new CancelTimer(CallTimer.ACCEPT_WINDOW),
                new StartTimer(CallTimer.CONNECT_TIMEOUT), new Publish(CallEventType.ACCEPTED));
    }

    private static Transition reject(CallSnapshot call) {
        return call.state() == INCOMING || call.state() == PRE_ACCEPTED
                ? terminating(call, CallOutcome.REJECTED, "rejected_by_business", new SendReject())
                : Transition.unchanged(call);
    }

    // ---- timers ----------------------------------------------------------------------------------------------------

    private static Transition timer(CallSnapshot call, CallTimer timer) {
        return switch (timer) {
            case OFFER_TIMEOUT -> call.state() == OFFERING
                    ? end(call, CallOutcome.FAILED, "offer_timeout", null,
                    "media did not produce the SDP offer in time; Meta was not asked", null)
                    : Transition.unchanged(call);
            case RING_TIMEOUT -> call.state() == DIALING && call.whatsappCallId() == null
                    // connect never told us the call id, and no webhook named the call: we cannot tell Meta
                    ? end(call, CallOutcome.FAILED, "connect_outcome_unknown", call.errorCode(), call.errorMessage(),
                    null)
                    : call.state() == DIALING || call.state() == RINGING
                    ? terminating(call, CallOutcome.NO_ANSWER, "ring_timeout", terminateIfKnown(call))
                    : Transition.unchanged(call);
            case CONNECT_TIMEOUT -> call.state() == CONNECTING
                    ? terminating(call, CallOutcome.FAILED, "connect_timeout", new SendTerminate())
                    : Transition.unchanged(call);
            case MAX_DURATION -> call.state() == ACTIVE
                    ? terminating(call, CallOutcome.COMPLETED, "max_duration", new SendTerminate())
                    : Transition.unchanged(call);
            case TERMINATE_GRACE -> call.state() != TERMINATING ? Transition.unchanged(call)
                    // Meta's terminate came but our terminate was never answered: ours is the outcome, Meta's the
                    // duration
                    : call.metaTerminate() != null ? endAsMetaSays(call, call.metaTerminate())
                    : end(call, call.pendingOutcome() == CallOutcome.FAILED && call.endedAtMetaFirst() && call.pickedUp()
                    ? CallOutcome.COMPLETED : call.pendingOutcome(), call.pendingReason(), null, null, null);
            case ACCEPT_WINDOW -> call.state() == INCOMING || call.state() == PRE_ACCEPTED
                    ? terminating(call, CallOutcome.NO_ANSWER, "accept_window_expired", new SendReject())
                    // our accept never came back from Meta: the call ends at Meta too (terminate, or reject when
                    // Meta had not taken it as accepted)
                    : call.state() == ACCEPTING
                    ? terminating(call, CallOutcome.FAILED, "accept_not_confirmed", new SendTerminate())
                    : Transition.unchanged(call);
        };
    }

    // ---- shared steps ----------------------------------------------------------------------------------------------

    /** terminate when Meta's call id is known; otherwise {@link #connectSent} sends it once the id arrives. */
    private static CallEffect terminateIfKnown(CallSnapshot call) {
        return call.whatsappCallId() != null ? new SendTerminate() : null;
    }

    /** We end the call: tell Meta, close media, and wait (bounded) for the terminate webhook. */
    private static Transition terminating(CallSnapshot call, CallOutcome outcome, String reason, CallEffect tellMeta) {
        List<CallEffect> effects = new ArrayList<>();
        if (tellMeta != null) {
            effects.add(tellMeta);
        }
        effects.add(new CloseMedia());
        for (CallTimer timer : CallTimer.values()) {
            if (timer != CallTimer.TERMINATE_GRACE) {
                effects.add(new CancelTimer(timer));
            }
        }
        effects.add(new StartTimer(CallTimer.TERMINATE_GRACE));
        return new Transition(call.withPending(outcome, reason).withState(TERMINATING), List.copyOf(effects), true);
    }

    private static Transition end(CallSnapshot call, CallOutcome outcome, String reason, Integer code, String message,
                                  Long duration) {
        List<CallEffect> effects = new ArrayList<>();
        if (call.state() != TERMINATING) {
            effects.add(new CloseMedia()); // TERMINATING closed it already
        }
        for (CallTimer timer : CallTimer.values()) {
            effects.add(new CancelTimer(timer));
        }
        effects.add(new Publish(CallEventType.ENDED));
        return new Transition(call.ended(outcome, reason, code, message, duration), List.copyOf(effects), true);
    }
}
