package dev.callgate.simulator;

import dev.callgate.cloudapi.CallingError;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The calls and the user on them: the phone ringing and the user's script (answer, reject, hang up), the timers Meta
 * runs (ring timeout, accept window, no media), the user calling the business, how a call ends, and the reports.
 * Methods marked "lock held" run under the number's lock; timers take it before they act.
 */
final class SimulatedCalls {

    private static final Logger LOG = Logger.getLogger(SimulatedCalls.class);

    private final SimulatorConfig config;
    private final SimulatedNumbers numbers;
    private final UserScripts scripts;
    private final SimulatedPermissions permissions;
    private final MetaWebhooks webhooks;
    private final Faults faults;
    private final ScheduledExecutorService scheduler;

    SimulatedCalls(SimulatorConfig config, SimulatedNumbers numbers, UserScripts scripts,
                   SimulatedPermissions permissions, MetaWebhooks webhooks, Faults faults,
                   ScheduledExecutorService scheduler) {
        this.config = config;
        this.numbers = numbers;
        this.scripts = scripts;
        this.permissions = permissions;
        this.webhooks = webhooks;
        this.faults = faults;
        this.scheduler = scheduler;
    }

    // ---- a business-initiated call rings --------------------------------------------------------------------

    /** The phone has its answer to the business's offer: connect webhook, RINGING, and the user's script. */
    CompletableFuture<Void> ring(SimulatedNumber number, SimulatedCall call, String answer) {
        synchronized (number) {
            if (!call.live()) {
                return CompletableFuture.completedFuture(null);
            }
            call.answerSdp = answer;
            call.ringingAt = Instant.now();
            CompletableFuture<Void> connect = webhooks.callEvent(number, call, "connect", "answer", answer);
            webhooks.callStatus(number, call, "RINGING");
            UserScript script = call.script;
            if (script.reject()) {
                schedule(number, call, script.answerAfter() == null ? Duration.ZERO : script.answerAfter(),
                        () -> userRejects(number, call));
            } else if (script.answerAfter() != null) {
                schedule(number, call, script.answerAfter(), () -> userAnswers(number, call));
            }
            schedule(number, call, config.limits().ringTimeout(), () -> {
                if (call.state == SimulatedCall.State.RINGING_USER) {
                    end(number, call, "COMPLETED", "ring_timeout", null);
                }
            });
            return connect;
        }
    }

    /** The user picks up (script or admin API). Lock held. */
    void userAnswers(SimulatedNumber number, SimulatedCall call) {
        if (call.state != SimulatedCall.State.RINGING_USER) {
            return;
        }
        call.state = SimulatedCall.State.ACTIVE;
        call.acceptedAt = Instant.now();
        call.phone.pickUp();
        permissions.callConnected(number, call);
        // Meta sends ACCEPTED after media is up, "mainly for auditing": by chaos switch late, or never
        long delay = faults.acceptedDelayMs();
        if (faults.acceptedNever()) {
            LOG.infof("simulator: call %s: answered; ACCEPTED withheld (chaos)", call.id);
        } else if (delay > 0) {
            call.timers.add(scheduler.schedule(() -> {
                synchronized (number) {
                    webhooks.callStatus(number, call, "ACCEPTED"); // late (dropped if the call ended before)
                }
            }, delay, TimeUnit.MILLISECONDS));
        } else {
            webhooks.callStatus(number, call, "ACCEPTED");
        }
        answered(number, call);
    }

    /** The user declines a ringing call. Lock held. */
    void userRejects(SimulatedNumber number, SimulatedCall call) {
        if (call.state != SimulatedCall.State.RINGING_USER) {
            return;
        }
        webhooks.callStatus(number, call, "REJECTED");
        end(number, call, "COMPLETED", "rejected", null);
    }

    /** The user hangs up (script or admin API). Lock held. */
    void userHangsUp(SimulatedNumber number, SimulatedCall call) {
        if (call.live()) {
            end(number, call, "COMPLETED", "user_hung_up", null);
        }
    }

    /** Admin: the user on this call answers, rejects or hangs up now. */
    void userAction(String callId, String action) {
        numbers.withCall(callId, (number, call) -> {
            switch (action) {
                case "answer" -> userAnswers(number, call);
                case "reject" -> userRejects(number, call);
                case "hangup" -> userHangsUp(number, call);
                default -> throw new IllegalArgumentException("unknown user action " + action);
            }
            return null;
        });
    }

    /**
     * Admin: the call fails on the user's side now and Meta's terminate says FAILED — with error {@code code} (138019
     * to 138023) at value level, or inside the call item when {@code errorsInItem}; with no error at all when
     * {@code code} is null (Meta sends such terminates too).
     */
    void fail(String callId, Integer code, boolean errorsInItem) {
        numbers.withCall(callId, (number, call) -> {
            if (!call.live()) {
                throw new IllegalStateException("call " + callId + " has already ended");
            }
            call.errorsInItem = errorsInItem;
            end(number, call, "FAILED", "user_side_failure", code == null ? null : CallingError.of(code));
            return null;
        });
    }

    // ---- after the answer -----------------------------------------------------------------------------------

    /** A call was answered (by the user, or accepted by the business): the hang-up script and the media watch start. */
    void answered(SimulatedNumber number, SimulatedCall call) {
        if (call.script.hangUpAfter() != null) {
            schedule(number, call, call.script.hangUpAfter(), () -> userHangsUp(number, call));
        }
        if (call.phone != null && call.phone.media()) {
            watchMedia(number, call, config.limits().initialMediaTimeout(), -1);
        }
    }

    /** Ends the call with 138021 when no audio arrived within the timeout (20 s at start, 30 s mid-call). */
    private void watchMedia(SimulatedNumber number, SimulatedCall call, Duration timeout, long framesBefore) {
        schedule(number, call, timeout, () -> {
            long frames = call.phone.receivedFrames();
            if (frames <= Math.max(0, framesBefore)) {
                end(number, call, "FAILED", "media_receive_timeout", CallingError.MEDIA_RECEIVE_TIMEOUT);
            } else {
                watchMedia(number, call, config.limits().midCallMediaTimeout(), frames);
            }
        });
    }

    /** The phone could not apply the business's answer: the call fails (client_setup_failed). */
    Void mediaFailed(SimulatedNumber number, SimulatedCall call, Throwable failure) {
        LOG.errorf(failure, "simulator: call %s: the phone could not apply the answer", call.id);
        synchronized (number) {
            end(number, call, "FAILED", "client_setup_failed", CallingError.CLIENT_SETUP_FAILED);
        }
        return null;
    }

    // ---- the user calls -------------------------------------------------------------------------------------

    /**
     * The user calls the business: the phone makes an offer, the connect webhook carries it. {@code deeplinkPayload}
     * (a {@code wa.me/call/…?biz_payload=} link) or {@code ctaPayload} (a voice-call button) ride on the connect and
     * terminate webhooks, as Meta sends them. The business must accept within the accept window.
     */
    String placeUserCall(String phoneNumberId, String waId, Double toneHz, Duration hangUpAfter,
                         String deeplinkPayload, String ctaPayload) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        String user = UserIds.normalise(waId);
        SimulatedCall call;
        synchronized (number) {
            if (!number.callingEnabled()) {
                throw new IllegalStateException("calling is not enabled on " + phoneNumberId);
            }
            if (number.liveCallWith(user) != null) {
                throw new IllegalStateException("user " + user + " is already on a call with " + phoneNumberId);
            }
            UserScript base = scripts.of(user);
            UserScript script = new UserScript(base.answerAfter(), base.reject(),
                    hangUpAfter != null ? hangUpAfter : base.hangUpAfter(), toneHz != null ? toneHz : base.toneHz(),
                    base.permissionRequestReply());
            call = new SimulatedCall(MetaIds.callId(), number.phoneNumberId, user,
                    SimulatedCall.Direction.USER_INITIATED, SimulatedCall.State.RINGING_BUSINESS, script);
            call.deeplinkPayload = deeplinkPayload;
            call.ctaPayload = ctaPayload;
            call.phone = UserPhone.create(call.id, config.media(), script.toneHz());
            number.calls.put(call.id, call);
        }
        SimulatedCall placed = call;
        call.phone.offer().whenComplete((offer, failure) -> {
            synchronized (number) {
                if (failure != null) {
                    LOG.errorf(failure, "simulator: call %s: the phone could not make an offer", placed.id);
                    end(number, placed, "FAILED", "client_setup_failed", CallingError.CLIENT_SETUP_FAILED);
                    return;
                }
                placed.offerSdp = offer;
                placed.ringingAt = Instant.now();
                webhooks.callEvent(number, placed, "connect", "offer", offer);
                permissions.userCalled(number, user, placed.id);
                schedule(number, placed, config.limits().acceptWindow(), () -> {
                    if (placed.state == SimulatedCall.State.PREACCEPTED) {
                        end(number, placed, "FAILED", "connect_timeout", CallingError.CONNECT_TIMEOUT);
                    } else if (placed.state == SimulatedCall.State.RINGING_BUSINESS) {
                        end(number, placed, "COMPLETED", "not_answered", null);
                    }
                });
            }
        });
        LOG.infof("simulator: call %s: user %s calls %s", call.id, user, phoneNumberId);
        return call.id;
    }

    // ---- the end --------------------------------------------------------------------------------------------

    /** Ends a call: timers cancelled, terminate webhook (with errors for a failure), media closed. Lock held. */
    void end(SimulatedNumber number, SimulatedCall call, String status, String reason, CallingError error) {
        if (!call.live()) {
            return;
        }
        call.state = SimulatedCall.State.ENDED;
        call.endedAt = Instant.now();
        call.endReason = reason;
        call.errorCode = error == null ? null : error.code();
        call.timers.forEach(t -> t.cancel(false));
        webhooks.terminate(number, call, status, error);
        webhooks.recordingsAvailable(number, call);
        if (call.direction == SimulatedCall.Direction.BUSINESS_INITIATED && !call.answered()) {
            permissions.callUnanswered(number, call.userWaId);
        }
        if (call.phone != null) {
            UserPhone phone = call.phone;
            scheduler.execute(phone::close);
        }
        LOG.infof("simulator: call %s: ended (%s, %s)", call.id, status, reason);
    }

    /** Runs {@code action} after {@code delay} under the number's lock, if the call is still live then. */
    private void schedule(SimulatedNumber number, SimulatedCall call, Duration delay, Runnable action) {
        call.timers.add(scheduler.schedule(() -> {
            synchronized (number) {
                if (call.live()) {
                    try {
                        action.run();
                    } catch (RuntimeException e) {
                        LOG.errorf(e, "simulator: call %s: timer failed", call.id);
                    }
                }
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS));
    }

    // ---- reports --------------------------------------------------------------------------------------------

    Map<String, Object> report(String callId) {
        return numbers.withCall(callId, (number, call) -> call.report());
    }

    List<Map<String, Object>> reports() {
        List<Map<String, Object>> all = new ArrayList<>();
        for (SimulatedNumber number : numbers.all()) {
            synchronized (number) {
                number.calls.values().forEach(c -> all.add(c.report()));
            }
        }
        return all;
    }
}
