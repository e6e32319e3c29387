package dev.callgate.call;

import dev.callgate.contract.CallEventType;

import dev.callgate.call.CallEffect.ApplyAnswer;
import dev.callgate.call.CallEffect.CloseMedia;
import dev.callgate.call.CallEffect.PlayMedia;
import dev.callgate.call.CallEffect.Publish;
import dev.callgate.call.CallEffect.SendAccept;
import dev.callgate.call.CallEffect.SendConnect;
import dev.callgate.call.CallEffect.SendPreAccept;
import dev.callgate.call.CallEffect.SendReject;
import dev.callgate.call.CallEffect.SendTerminate;
import dev.callgate.call.CallEffect.StartTimer;
import dev.callgate.call.CallStateMachine.Transition;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
import static org.assertj.core.api.Assertions.assertThat;

/** The state machine over every (state, signal) pair, then whole calls with duplicates and out-of-order arrivals. */
class CallStateMachineTest {

    private static final String ID = "wacid.T1";

    /** One signal of each kind, in the column order of {@link #TABLE}. */
    private static final List<CallSignal> SIGNALS = List.of(
            new CallSignal.Initiate(), new CallSignal.HangUp(), new CallSignal.Accept(), new CallSignal.Reject(),
            new CallSignal.LocalSdpReady("v=0 local"), new CallSignal.MediaRefused("over_capacity"),
            new CallSignal.MediaConnected(), new CallSignal.MediaFailed("media_lost"),
            new CallSignal.ConnectSent("wacid.NEW"), new CallSignal.ConnectRefused(138006, "no permission"),
            new CallSignal.ConnectOutcomeUnknown("connect_timeout"), new CallSignal.AcceptSent(),
            new CallSignal.AnswerReceived("v=0 answer"), new CallSignal.OfferReceived("v=0 offer"),
            new CallSignal.Ringing(), new CallSignal.Accepted(), new CallSignal.Rejected(),
            new CallSignal.Terminated(null, null, null),
            new CallSignal.TimerFired(CallTimer.RING_TIMEOUT), new CallSignal.TimerFired(CallTimer.CONNECT_TIMEOUT),
            new CallSignal.TimerFired(CallTimer.MAX_DURATION), new CallSignal.TimerFired(CallTimer.TERMINATE_GRACE),
            new CallSignal.TimerFired(CallTimer.ACCEPT_WINDOW), new CallSignal.NoPermissionKnown(),
            new CallSignal.UserAudioHeard(), new CallSignal.TimerFired(CallTimer.OFFER_TIMEOUT),
            new CallSignal.MetaEndConfirmed(false));

    /**
     * Expected state after each signal, per starting state ("." = unchanged state). Columns: Initiate HangUp Accept
     * Reject LocalSdp MediaRefused MediaConnected MediaFailed ConnectSent ConnectRefused ConnectUnknown AcceptSent
     * Answer Offer Ringing Accepted Rejected Terminated ringT connectT maxT graceT acceptT NoPermissionKnown
     * UserAudioHeard offerT MetaEndConfirmed.
     */
    private static final String TABLE = """
            REQUESTED    OFF END .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   END .   .   .
            OFFERING     .   END .   .   DIA END .   END .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   END .
            DIALING      .   TRM .   .   .   .   .   TRM .   END .   .   RNG .   RNG CON .   END TRM .   .   .   .   .   ACT .   .
            RINGING      .   TRM .   .   .   .   .   TRM .   .   .   .   .   .   .   CON .   END TRM .   .   .   .   .   ACT .   .
            CONNECTING   .   TRM .   .   .   .   ACT TRM .   .   .   .   .   .   .   .   .   END .   TRM .   .   .   .   .   .   .
            ACTIVE       .   TRM .   .   .   .   .   TRM .   .   .   .   .   .   .   .   .   END .   .   TRM .   .   .   .   .   .
            TERMINATING  .   .   .   .   .   .   .   .   .   END .   .   .   .   .   .   .   END .   .   .   END .   .   .   .   .
            INCOMING     .   TRM .   TRM PRE TRM .   TRM .   .   .   .   .   .   .   .   .   END .   .   .   .   TRM .   .   .   .
            PRE_ACCEPTED .   TRM ACC TRM .   .   .   TRM .   .   .   .   .   .   .   .   .   END .   .   .   .   TRM .   .   .   .
            ACCEPTING    .   TRM .   .   .   .   .   TRM .   .   .   CON .   .   .   .   .   END .   .   .   .   TRM .   .   .   .
            ENDED        .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .
            """;

    private static final Map<String, CallState> ABBREVIATIONS = Map.of("OFF", OFFERING, "DIA", DIALING,
            "RNG", RINGING, "CON", CONNECTING, "ACT", ACTIVE, "TRM", TERMINATING, "PRE", PRE_ACCEPTED,
            "ACC", ACCEPTING, "END", ENDED);

    /** A typical call in each state. */
    static CallSnapshot in(CallState state) {
        CallDirection direction = state == INCOMING || state == PRE_ACCEPTED || state == ACCEPTING
                ? CallDirection.USER_INITIATED : CallDirection.BUSINESS_INITIATED;
        boolean hasId = state != REQUESTED && state != OFFERING;
        boolean answerApplied = state == RINGING || state == CONNECTING || state == ACTIVE || state == TERMINATING;
        boolean pickedUp = state == CONNECTING || state == ACTIVE;
        boolean mediaUp = state == ACTIVE;
        CallOutcome pending = state == TERMINATING ? CallOutcome.CANCELLED : null;
        CallOutcome outcome = state == ENDED ? CallOutcome.COMPLETED : null;
        return new CallSnapshot(direction, state, hasId ? ID : null,
                state == REQUESTED || state == INCOMING ? null : "v=0 local", answerApplied, mediaUp, pickedUp, false,
                pending, pending == null ? null : "hung_up", outcome, null, null, null, null, MetaEnd.OPEN, null);
    }

    private static Map<CallState, List<String>> table() {
        Map<CallState, List<String>> rows = new LinkedHashMap<>();
        TABLE.lines().filter(l -> !l.isBlank()).forEach(line -> {
            String[] cells = line.trim().split("\\s+");
            rows.put(CallState.valueOf(cells[0]), List.of(cells).subList(1, cells.length));
        });
        return rows;
    }

    @Test
    void theTableCoversEveryStateAndEverySignalKind() {
        assertThat(table().keySet()).containsExactlyInAnyOrder(CallState.values());
        table().values().forEach(row -> assertThat(row).hasSize(SIGNALS.size()));
        assertThat(SIGNALS.stream().map(Object::getClass).distinct().toList())
                .containsExactlyInAnyOrder(CallSignal.class.getPermittedSubclasses());
        assertThat(SIGNALS.stream().filter(s -> s instanceof CallSignal.TimerFired)
                .map(s -> ((CallSignal.TimerFired) s).timer()).toList())
                .containsExactlyInAnyOrder(CallTimer.values());
    }

    @Test
    void everyStateAndSignalPairGoesWhereTheTableSays() {
        List<String> mismatches = new ArrayList<>();
        table().forEach((state, row) -> {
            for (int i = 0; i < SIGNALS.size(); i++) {
                CallSnapshot before = in(state);
                Transition t = CallStateMachine.next(before, SIGNALS.get(i));
                CallState expected = row.get(i).equals(".") ? state : ABBREVIATIONS.get(row.get(i));
                if (t.call().state() != expected) {
                    mismatches.add(state + " + " + SIGNALS.get(i) + " → " + t.call().state() + ", expected " + expected);
                }
                if (!t.changed()) {
                    assertThat(t.call()).isEqualTo(before);
                    assertThat(t.effects()).isEmpty();
                }
            }
        });
        assertThat(mismatches).isEmpty();
    }

    @Test
    void everySignalAppliedTwiceIsANoOpTheSecondTime() {
        for (CallState state : CallState.values()) {
            for (CallSignal signal : SIGNALS) {
                Transition first = CallStateMachine.next(in(state), signal);
                Transition second = CallStateMachine.next(first.call(), signal);
                assertThat(second.changed()).as(state + " + " + signal + " twice").isFalse();
                assertThat(second.effects()).isEmpty();
            }
        }
    }

    @Test
    void everyEndPublishesEndedOnceWithAnOutcomeAndEveryOwnHangUpTellsMeta() {
        for (CallState state : CallState.values()) {
            for (CallSignal signal : SIGNALS) {
                CallSnapshot before = in(state);
                Transition t = CallStateMachine.next(before, signal);
                if (t.call().state() == ENDED && before.state() != ENDED) {
                    assertThat(t.effects()).filteredOn(e -> e.equals(new Publish(CallEventType.ENDED))).hasSize(1);
                    assertThat(t.call().outcome()).as(state + " + " + signal).isNotNull();
                }
                if (t.call().state() == TERMINATING && before.state() != TERMINATING) {
                    assertThat(t.effects()).contains(new CloseMedia(), new StartTimer(CallTimer.TERMINATE_GRACE));
                    CallEffect tellMeta = before.direction() == CallDirection.USER_INITIATED
                            && before.state() != ACCEPTING ? new SendReject() : new SendTerminate();
                    assertThat(t.effects()).as(state + " + " + signal).contains(tellMeta);
                    assertThat(t.call().pendingOutcome()).isNotNull();
                }
            }
        }
    }

    // ---- whole calls -------------------------------------------------------------------------------------------

    /** Runs the signals in order and collects what was published. */
    private record Run(CallSnapshot call, List<CallEventType> published, List<CallEffect> effects) {
    }

    private static Run run(CallSnapshot start, List<CallEffect> startEffects, CallSignal... signals) {
        CallSnapshot call = start;
        List<CallEffect> effects = new ArrayList<>(startEffects);
        for (CallSignal signal : signals) {
            Transition t = CallStateMachine.next(call, signal);
            call = t.call();
            effects.addAll(t.effects());
        }
        List<CallEventType> published = effects.stream().filter(e -> e instanceof Publish)
                .map(e -> ((Publish) e).type()).toList();
        return new Run(call, published, effects);
    }

    private static Run business(CallSignal... signals) {
        return run(CallSnapshot.requested(), List.of(), signals);
    }

    private static final CallSignal INITIATE = new CallSignal.Initiate();
    private static final CallSignal OFFER = new CallSignal.LocalSdpReady("v=0 offer");
    private static final CallSignal SENT = new CallSignal.ConnectSent(ID);
    private static final CallSignal ANSWER = new CallSignal.AnswerReceived("v=0 answer");
    private static final CallSignal RINGING_STATUS = new CallSignal.Ringing();
    private static final CallSignal MEDIA_UP = new CallSignal.MediaConnected();
    private static final CallSignal ACCEPTED = new CallSignal.Accepted();

    private static final CallSignal HEARD = new CallSignal.UserAudioHeard();

    @Test
    void theUsersAudioIsThePickUpWhenAcceptedIsLateOrNeverComes() {
        // audio first, ACCEPTED late: ACTIVE at the audio, the prompt starts then, ACCEPTED changes nothing
        Run late = business(INITIATE, OFFER, SENT, ANSWER, RINGING_STATUS, MEDIA_UP, HEARD);
        assertThat(late.call().state()).isEqualTo(ACTIVE);
        assertThat(late.call().pickedUp()).isTrue();
        assertThat(late.effects()).containsOnlyOnce(new PlayMedia());
        assertThat(late.published()).containsSubsequence(CallEventType.ACCEPTED, CallEventType.CONNECTED);
        Run lateThenAccepted = business(INITIATE, OFFER, SENT, ANSWER, RINGING_STATUS, MEDIA_UP, HEARD, ACCEPTED,
                new CallSignal.TimerFired(CallTimer.RING_TIMEOUT), new CallSignal.Terminated(null, null, null));
        assertThat(lateThenAccepted.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        assertThat(lateThenAccepted.published()).containsOnlyOnce(CallEventType.ACCEPTED);
        assertThat(lateThenAccepted.effects()).containsOnlyOnce(new PlayMedia());
        // ACCEPTED first, audio after: one pick-up, one start of the prompt
        Run accepted = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED, HEARD);
        assertThat(accepted.call().state()).isEqualTo(ACTIVE);
        assertThat(accepted.effects()).containsOnlyOnce(new PlayMedia());
        assertThat(accepted.published()).containsOnlyOnce(CallEventType.ACCEPTED);
        // ACCEPTED never comes: a terminate without duration is still a completed call, not NO_ANSWER
        Run never = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, HEARD,
                new CallSignal.Terminated(null, null, null));
        assertThat(never.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        // silence all along and no ACCEPTED: the ring timeout decides (NO_ANSWER)
        Run silent = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, new CallSignal.TimerFired(CallTimer.RING_TIMEOUT),
                new CallSignal.Terminated(null, null, null));
        assertThat(silent.call().outcome()).isEqualTo(CallOutcome.NO_ANSWER);
        assertThat(silent.effects()).doesNotContain(new PlayMedia());
    }

    @Test
    void theCallsAudioStartsOnlyWhenItBecomesActive() {
        Run ringing = business(INITIATE, OFFER, SENT, ANSWER, RINGING_STATUS, MEDIA_UP);
        assertThat(ringing.effects()).doesNotContain(new PlayMedia());
        Run mediaLate = business(INITIATE, OFFER, SENT, ANSWER, ACCEPTED);
        assertThat(mediaLate.call().state()).isEqualTo(CONNECTING);
        assertThat(mediaLate.effects()).doesNotContain(new PlayMedia());
        Run connected = business(INITIATE, OFFER, SENT, ANSWER, ACCEPTED, MEDIA_UP);
        assertThat(connected.effects()).containsOnlyOnce(new PlayMedia());
    }

    @Test
    void answeredCallWithMediaUpBeforeAcceptedCompletesWithItsDuration() {
        Run run = business(INITIATE, OFFER, SENT, ANSWER, RINGING_STATUS, MEDIA_UP, ACCEPTED,
                new CallSignal.Terminated(42L, null, null));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        assertThat(run.call().durationSeconds()).isEqualTo(42);
        assertThat(run.published()).containsExactly(CallEventType.REQUESTED, CallEventType.DIALING,
                CallEventType.RINGING, CallEventType.ACCEPTED, CallEventType.CONNECTED, CallEventType.ENDED);
        assertThat(run.effects()).contains(new SendConnect("v=0 offer"), new ApplyAnswer("v=0 answer"));
        assertThat(run.effects()).doesNotContain(new SendTerminate()); // the user hung up: Meta knows
    }

    @Test
    void acceptedBeforeMediaIsUpReachesTheSameEndAndEvents() {
        Run mediaFirst = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED,
                new CallSignal.Terminated(42L, null, null));
        Run acceptedFirst = business(INITIATE, OFFER, SENT, ANSWER, ACCEPTED, MEDIA_UP,
                new CallSignal.Terminated(42L, null, null));
        assertThat(acceptedFirst.call()).isEqualTo(mediaFirst.call());
        assertThat(acceptedFirst.published()).isEqualTo(mediaFirst.published());
    }

    @Test
    void duplicatedWebhooksChangeNothing() {
        Run clean = business(INITIATE, OFFER, SENT, ANSWER, RINGING_STATUS, MEDIA_UP, ACCEPTED,
                new CallSignal.Terminated(7L, null, null));
        Run doubled = business(INITIATE, OFFER, SENT, ANSWER, ANSWER, RINGING_STATUS, RINGING_STATUS, MEDIA_UP,
                ACCEPTED, ACCEPTED, new CallSignal.Terminated(7L, null, null), new CallSignal.Terminated(7L, null, null));
        assertThat(doubled.call()).isEqualTo(clean.call());
        assertThat(doubled.published()).isEqualTo(clean.published());
        assertThat(doubled.effects()).isEqualTo(clean.effects());
    }

    @Test
    void terminateBeforeConnectEndsTheCallAndTheLateConnectIsIgnored() {
        Run run = business(INITIATE, OFFER, SENT, new CallSignal.Terminated(null, null, null), ANSWER,
                RINGING_STATUS, ACCEPTED);
        assertThat(run.call().state()).isEqualTo(ENDED);
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.NO_ANSWER);
        assertThat(run.effects()).doesNotContain(new ApplyAnswer("v=0 answer"));
    }

    @Test
    void ringingStatusBeforeTheConnectWebhookStillAppliesTheAnswer() {
        Run run = business(INITIATE, OFFER, SENT, RINGING_STATUS, ANSWER, MEDIA_UP, ACCEPTED);
        assertThat(run.call().state()).isEqualTo(ACTIVE);
        assertThat(run.effects()).contains(new ApplyAnswer("v=0 answer"));
        assertThat(run.published()).containsOnlyOnce(CallEventType.RINGING);
    }

    @Test
    void pickedUpCallIsCompletedEvenWhenTheTerminateWebhookLacksADuration() {
        Run run = business(INITIATE, OFFER, SENT, ANSWER, ACCEPTED, new CallSignal.Terminated(null, null, null));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        assertThat(run.call().durationSeconds()).isNull();
    }

    @Test
    void rejectedThenTerminateIsRejected() {
        Run run = business(INITIATE, OFFER, SENT, ANSWER, new CallSignal.Rejected(),
                new CallSignal.Terminated(null, null, null));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.REJECTED);
    }

    @Test
    void noPermissionIsPermissionDeniedWithTheCodeAndOtherRefusalsFailWithTheirs() {
        Run denied = business(INITIATE, OFFER, new CallSignal.ConnectRefused(138006, "No approved call permission"));
        assertThat(denied.call().outcome()).isEqualTo(CallOutcome.PERMISSION_DENIED);
        assertThat(denied.call().errorCode()).isEqualTo(138006);
        Run limited = business(INITIATE, OFFER, new CallSignal.ConnectRefused(138012, "connected call limit"));
        assertThat(limited.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(limited.call().errorCode()).isEqualTo(138012);
        assertThat(limited.call().errorMessage()).isEqualTo("connected call limit");
        assertThat(limited.effects()).contains(new CloseMedia()).doesNotContain(new SendTerminate());
    }

    @Test
    void metaReportedFailureKeepsItsCodeAndMessage() {
        Run run = business(INITIATE, OFFER, SENT, ANSWER, ACCEPTED, MEDIA_UP,
                new CallSignal.Terminated(3L, 138021, "Media receive timeout"));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(run.call().failureReason()).isEqualTo("whatsapp_error");
        assertThat(run.call().errorCode()).isEqualTo(138021);
        assertThat(run.call().errorMessage()).isEqualTo("Media receive timeout");
    }

    @Test
    void metaSayingFailedWithoutAnErrorEndsFailedNotCompletedOrNoAnswer() {
        CallSignal.Terminated failed = new CallSignal.Terminated(true, 4L, null, null, null, null);
        Run picked = business(INITIATE, OFFER, SENT, ANSWER, ACCEPTED, MEDIA_UP, failed);
        assertThat(picked.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(picked.call().failureReason()).isEqualTo("whatsapp_failed");
        assertThat(picked.call().durationSeconds()).isEqualTo(4);
        Run ringing = business(INITIATE, OFFER, SENT, ANSWER, failed);
        assertThat(ringing.call().outcome()).isEqualTo(CallOutcome.FAILED);
        // a decline stays a decline; our own hang-up keeps its outcome (Meta's status is kept beside it)
        Run declined = business(INITIATE, OFFER, SENT, ANSWER, new CallSignal.Rejected(),
                new CallSignal.Terminated(true, null, null, null, null, null));
        assertThat(declined.call().outcome()).isEqualTo(CallOutcome.REJECTED);
        Run ours = business(INITIATE, OFFER, SENT, ANSWER, ACCEPTED, MEDIA_UP, new CallSignal.HangUp(), failed);
        assertThat(ours.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        // our own media failure keeps its precise reason, with Meta's code beside it
        Run media = business(INITIATE, OFFER, SENT, ANSWER, ACCEPTED, MEDIA_UP,
                new CallSignal.MediaFailed("peer_connection_failed"),
                new CallSignal.Terminated(true, 4L, 138021, "Media receive timeout", null, null));
        assertThat(media.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(media.call().failureReason()).isEqualTo("peer_connection_failed");
        assertThat(media.call().errorCode()).isEqualTo(138021);
    }

    @Test
    void aConnectWhoseAnswerWasLostWaitsForItsCallToBeNamedThenGoesOn() {
        CallSignal lost = new CallSignal.ConnectOutcomeUnknown("connect_outcome_unknown", true, 138004,
                "Connection error");
        Run waiting = business(INITIATE, OFFER, lost);
        assertThat(waiting.call().state()).isEqualTo(DIALING);
        assertThat(waiting.call().whatsappCallId()).isNull();
        assertThat(waiting.effects()).doesNotContain(new CloseMedia());
        // a webhook named the call through our correlation: the id is recorded and the call goes on
        Run recovered = business(INITIATE, OFFER, lost, SENT, ANSWER, MEDIA_UP, ACCEPTED,
                new CallSignal.Terminated(5L, null, null));
        assertThat(recovered.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        assertThat(recovered.call().errorCode()).isNull();
        // nothing named it: the ring timeout ends it, Meta's error kept, nothing to terminate with
        Run timedOut = business(INITIATE, OFFER, lost, new CallSignal.TimerFired(CallTimer.RING_TIMEOUT));
        assertThat(timedOut.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(timedOut.call().failureReason()).isEqualTo("connect_outcome_unknown");
        assertThat(timedOut.call().errorCode()).isEqualTo(138004);
        assertThat(timedOut.effects()).doesNotContain(new SendTerminate());
        // a request that never left ends at once
        Run neverSent = business(INITIATE, OFFER, new CallSignal.ConnectOutcomeUnknown("cloud_api_unreachable"));
        assertThat(neverSent.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(neverSent.call().failureReason()).isEqualTo("cloud_api_unreachable");
    }

    @Test
    void hangingUpWhileConnectIsInFlightTerminatesOnceTheIdArrives() {
        Run run = business(INITIATE, OFFER, new CallSignal.HangUp());
        assertThat(run.call().state()).isEqualTo(TERMINATING);
        assertThat(run.effects()).doesNotContain(new SendTerminate());
        Transition idArrives = CallStateMachine.next(run.call(), SENT);
        assertThat(idArrives.effects()).containsExactly(new SendTerminate());
        Transition end = CallStateMachine.next(idArrives.call(), new CallSignal.Terminated(null, null, null));
        assertThat(end.call().outcome()).isEqualTo(CallOutcome.CANCELLED);
    }

    @Test
    void ourHangUpMidCallCompletesWithMetasDuration() {
        Run run = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED, new CallSignal.HangUp(),
                new CallSignal.Terminated(12L, null, null));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        assertThat(run.call().durationSeconds()).isEqualTo(12);
        assertThat(run.effects()).containsOnlyOnce(new SendTerminate());
    }

    @Test
    void userPickingUpAsWeHangUpCompletes() {
        Run run = business(INITIATE, OFFER, SENT, ANSWER, new CallSignal.HangUp(), ACCEPTED,
                new CallSignal.Terminated(1L, null, null));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
    }

    @Test
    void ringTimeoutTerminatesAtMetaAndEndsNoAnswerEvenWithoutTheWebhook() {
        Run run = business(INITIATE, OFFER, SENT, ANSWER, new CallSignal.TimerFired(CallTimer.RING_TIMEOUT),
                new CallSignal.TimerFired(CallTimer.TERMINATE_GRACE));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.NO_ANSWER);
        assertThat(run.call().failureReason()).isEqualTo("ring_timeout");
        assertThat(run.effects()).contains(new SendTerminate());
    }

    @Test
    void lostMediaTerminatesAndEndsFailedMediaLost() {
        // Meta takes our terminate, then sends its webhook
        Run run = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED, new CallSignal.MediaFailed("media_lost"),
                new CallSignal.MetaEndConfirmed(false), new CallSignal.Terminated(20L, null, null));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(run.call().failureReason()).isEqualTo("media_lost");
        assertThat(run.effects()).contains(new SendTerminate());
    }

    @Test
    void overCapacityIsRefusedBeforeAnythingReachesMeta() {
        Run run = business(INITIATE, new CallSignal.MediaRefused("over_capacity"));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(run.call().failureReason()).isEqualTo("over_capacity");
        assertThat(run.effects()).noneMatch(e -> e instanceof SendConnect || e instanceof SendTerminate);
    }

    @Test
    void connectWithoutAnAnswerIsAFailureWeCannotTerminate() {
        Run run = business(INITIATE, OFFER, new CallSignal.ConnectOutcomeUnknown("connect_timeout"));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(run.call().failureReason()).isEqualTo("connect_timeout");
    }

    @Test
    void userInitiatedCallIsPreAcceptedAcceptedWithTheSameSdpAndCompleted() {
        Transition incoming = CallStateMachine.incoming(ID, "v=0 user offer");
        Run run = run(incoming.call(), incoming.effects(), new CallSignal.LocalSdpReady("v=0 our answer"),
                new CallSignal.Accept(), new CallSignal.AcceptSent(), MEDIA_UP, new CallSignal.Terminated(9L, null, null));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        assertThat(run.effects()).contains(new SendPreAccept("v=0 our answer"), new SendAccept("v=0 our answer"));
        assertThat(run.published()).containsExactly(CallEventType.INCOMING, CallEventType.ACCEPTED,
                CallEventType.CONNECTED, CallEventType.ENDED);
    }

    @Test
    void userInitiatedAudioStartsOnlyOnceAcceptReturned() {
        Transition incoming = CallStateMachine.incoming(ID, "v=0 user offer");
        Run beforeAccept = run(incoming.call(), incoming.effects(), new CallSignal.LocalSdpReady("v=0 our answer"),
                MEDIA_UP, new CallSignal.Accept());
        assertThat(beforeAccept.effects()).noneMatch(e -> e instanceof CallEffect.PlayMedia);
        Run accepted = run(beforeAccept.call(), List.of(), new CallSignal.AcceptSent());
        assertThat(accepted.effects()).contains(new CallEffect.PlayMedia());
        assertThat(accepted.call().state()).isEqualTo(CallState.ACTIVE);
    }

    @Test
    void acceptAskedForBeforeTheAnswerIsReadyIsSentWithIt() {
        Transition incoming = CallStateMachine.incoming(ID, "v=0 user offer");
        Run run = run(incoming.call(), incoming.effects(), new CallSignal.Accept(),
                new CallSignal.LocalSdpReady("v=0 our answer"));
        assertThat(run.call().state()).isEqualTo(ACCEPTING);
        assertThat(run.effects()).containsSubsequence(new SendPreAccept("v=0 our answer"),
                new SendAccept("v=0 our answer"));
    }

    @Test
    void userInitiatedCallNotAcceptedInTimeIsRejectedAsNoAnswer() {
        Transition incoming = CallStateMachine.incoming(ID, "v=0 user offer");
        Run run = run(incoming.call(), incoming.effects(), new CallSignal.LocalSdpReady("v=0 our answer"),
                new CallSignal.TimerFired(CallTimer.ACCEPT_WINDOW), new CallSignal.Terminated(null, null, null));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.NO_ANSWER);
        assertThat(run.effects()).contains(new SendReject());
    }

    // ---- deadlines -------------------------------------------------------------------------------------------------

    /** A reached call with the timers running for it. */
    private record Reached(CallSnapshot call, Set<CallTimer> running) {
    }

    /**
     * Explores every call reachable from a new business-initiated and a new user-initiated call (every signal, in
     * every order; a timer fires only while it runs) and asserts that each non-final state has a running timer whose
     * expiry moves the call on: no call can wait for ever. REQUESTED never outlives the transaction that creates it.
     */
    @Test
    void everyReachableNonFinalStateHasARunningDeadlineThatMovesTheCallOn() {
        Transition incoming = CallStateMachine.incoming(ID, "v=0 user offer");
        Deque<Reached> todo = new ArrayDeque<>();
        todo.add(new Reached(CallSnapshot.requested(), Set.of()));
        todo.add(new Reached(incoming.call(), timersAfter(Set.of(), incoming.effects())));
        Set<Reached> seen = new HashSet<>(todo);
        List<String> stuck = new ArrayList<>();
        while (!todo.isEmpty()) {
            Reached here = todo.poll();
            CallState state = here.call().state();
            if (state != ENDED && state != REQUESTED && here.running().stream().noneMatch(timer ->
                    CallStateMachine.next(here.call(), new CallSignal.TimerFired(timer)).changed())) {
                stuck.add(here.call() + " with timers " + here.running());
            }
            for (CallSignal signal : SIGNALS) {
                if (signal instanceof CallSignal.TimerFired fired && !here.running().contains(fired.timer())) {
                    continue;
                }
                Transition t = CallStateMachine.next(here.call(), signal);
                Set<CallTimer> running = new HashSet<>(here.running());
                if (signal instanceof CallSignal.TimerFired fired) {
                    running.remove(fired.timer());
                }
                Reached next = new Reached(t.call(), timersAfter(running, t.effects()));
                if (seen.add(next)) {
                    todo.add(next);
                }
            }
        }
        assertThat(seen).hasSizeGreaterThan(50);
        assertThat(stuck).isEmpty();
    }

    private static Set<CallTimer> timersAfter(Set<CallTimer> running, List<CallEffect> effects) {
        Set<CallTimer> after = new HashSet<>(running);
        for (CallEffect effect : effects) {
            if (effect instanceof CallEffect.StartTimer start) {
                after.add(start.timer());
            } else if (effect instanceof CallEffect.CancelTimer cancel) {
                after.remove(cancel.timer());
            }
        }
        return Set.copyOf(after);
    }

    @Test
    void anOfferMediaNeverProducesFailsTheCallWithoutAskingMeta() {
        Run run = business(INITIATE, new CallSignal.TimerFired(CallTimer.OFFER_TIMEOUT));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(run.call().failureReason()).isEqualTo("offer_timeout");
        assertThat(run.effects()).contains(new CallEffect.StartTimer(CallTimer.OFFER_TIMEOUT),
                new CallEffect.CloseMedia()).noneMatch(e -> e instanceof SendConnect);
        Run offered = business(INITIATE, OFFER, new CallSignal.TimerFired(CallTimer.OFFER_TIMEOUT));
        assertThat(offered.call().state()).isEqualTo(DIALING);
        assertThat(offered.effects()).contains(new CallEffect.CancelTimer(CallTimer.OFFER_TIMEOUT));
    }

    @Test
    void anAcceptMetaNeverConfirmsEndsTheCallThereWithinTheAcceptWindow() {
        Transition incoming = CallStateMachine.incoming(ID, "v=0 user offer");
        Run run = run(incoming.call(), incoming.effects(), new CallSignal.LocalSdpReady("v=0 our answer"),
                new CallSignal.Accept(), MEDIA_UP, new CallSignal.TimerFired(CallTimer.ACCEPT_WINDOW),
                new CallSignal.TimerFired(CallTimer.TERMINATE_GRACE));
        assertThat(run.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(run.call().failureReason()).isEqualTo("accept_not_confirmed");
        assertThat(run.effects()).contains(new CallEffect.SendTerminate(), new CallEffect.CloseMedia());
    }

    @Test
    void metasTerminateWithinTheGraceDecidesTheOutcomeAndDuration() {
        CallSignal completed = new CallSignal.Terminated(31L, null, null);
        // the user hung up; the PeerConnection failing was seen before Meta's (delayed) terminate webhook, and our
        // terminate was answered "already ended"
        Run mediaFirst = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED,
                new CallSignal.MediaFailed("peer connection FAILED"), new CallSignal.MetaEndConfirmed(true), completed);
        assertThat(mediaFirst.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        assertThat(mediaFirst.call().durationSeconds()).isEqualTo(31L);
        assertThat(mediaFirst.call().failureReason()).isEqualTo("peer connection FAILED");
        // the same when the webhook never comes: the grace timer ends it COMPLETED, Meta having ended it first
        Run noWebhook = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED,
                new CallSignal.MediaFailed("peer connection FAILED"), new CallSignal.MetaEndConfirmed(true),
                new CallSignal.TimerFired(CallTimer.TERMINATE_GRACE));
        assertThat(noWebhook.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        // a failure of ours that made us end a call Meta considered fine stays FAILED
        Run ours = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED, new CallSignal.MediaFailed("media_lost"),
                new CallSignal.MetaEndConfirmed(false), completed);
        assertThat(ours.call().outcome()).isEqualTo(CallOutcome.FAILED);
        // our ring timeout crossed the user's pick-up: Meta billed a call
        Run ringTimeout = business(INITIATE, OFFER, SENT, ANSWER, new CallSignal.TimerFired(CallTimer.RING_TIMEOUT),
                completed);
        assertThat(ringTimeout.call().outcome()).isEqualTo(CallOutcome.COMPLETED);
        // Meta saying FAILED, or COMPLETED without a duration, leaves Callgate's own conclusion
        Run failedAtMeta = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED,
                new CallSignal.MediaFailed("media_lost"), new CallSignal.Terminated(true, 5L, null, null, null, null));
        assertThat(failedAtMeta.call().outcome()).isEqualTo(CallOutcome.FAILED);
        Run neverAnswered = business(INITIATE, OFFER, SENT, ANSWER, new CallSignal.TimerFired(CallTimer.RING_TIMEOUT),
                new CallSignal.Terminated(null, null, null));
        assertThat(neverAnswered.call().outcome()).isEqualTo(CallOutcome.NO_ANSWER);
    }

    @Test
    void metasTerminateBeforeTheAnswerToOursWaitsForItToTellWhoseEndItWas() {
        CallSignal completed = new CallSignal.Terminated(3L, null, null);
        CallSignal mediaFailed = new CallSignal.MediaFailed("peer connection DISCONNECTED for more than 10000 ms");
        // the user hung up during a database outage: once PostgreSQL is back, the media failure is stored first, then
        // Meta's terminate webhook (queued meanwhile), then Meta's answer to our terminate
        Run waiting = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED, mediaFailed, completed);
        assertThat(waiting.call().state()).as("waits for Meta's answer to our terminate").isEqualTo(TERMINATING);
        assertThat(waiting.call().metaTerminate()).isEqualTo(new CallSnapshot.MetaTerminate(false, 3L));

        Transition userFirst = CallStateMachine.next(waiting.call(), new CallSignal.MetaEndConfirmed(true));
        assertThat(userFirst.call().state()).isEqualTo(ENDED);
        assertThat(userFirst.call().outcome()).as("the user's hang-up, not a failure").isEqualTo(CallOutcome.COMPLETED);
        assertThat(userFirst.call().durationSeconds()).isEqualTo(3L);
        assertThat(userFirst.call().metaEnd()).isEqualTo(MetaEnd.ENDED_FIRST);

        Transition oursFirst = CallStateMachine.next(waiting.call(), new CallSignal.MetaEndConfirmed(false));
        assertThat(oursFirst.call().outcome()).as("our terminate ended it: our failure").isEqualTo(CallOutcome.FAILED);
        assertThat(oursFirst.call().durationSeconds()).isEqualTo(3L);

        Transition noAnswer = CallStateMachine.next(waiting.call(), new CallSignal.TimerFired(CallTimer.TERMINATE_GRACE));
        assertThat(noAnswer.call().state()).as("the grace still bounds the wait").isEqualTo(ENDED);
        assertThat(noAnswer.call().outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(noAnswer.call().durationSeconds()).isEqualTo(3L);

        // a duplicate of Meta's webhook while waiting changes nothing
        assertThat(CallStateMachine.next(waiting.call(), completed).call()).isEqualTo(waiting.call());
    }

    @Test
    void metasConfirmationOfATerminateRetriedAfterTheEndIsKeptWithoutAnythingElse() {
        Run ended = business(INITIATE, OFFER, SENT, ANSWER, MEDIA_UP, ACCEPTED, new CallSignal.HangUp(),
                new CallSignal.TimerFired(CallTimer.TERMINATE_GRACE));
        assertThat(ended.call().state()).isEqualTo(ENDED);
        assertThat(ended.call().metaEnd()).isEqualTo(MetaEnd.OPEN);

        Transition confirmed = CallStateMachine.next(ended.call(), new CallSignal.MetaEndConfirmed(false));
        assertThat(confirmed.changed()).isTrue();
        assertThat(confirmed.call().metaEnd()).isEqualTo(MetaEnd.CONFIRMED);
        assertThat(confirmed.call()).isEqualTo(ended.call().withMetaEnd(MetaEnd.CONFIRMED));
        assertThat(confirmed.effects()).isEmpty();
    }
}
