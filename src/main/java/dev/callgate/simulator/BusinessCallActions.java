package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.cloudapi.CallingError;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /calls}: what the business does to a call — {@code connect} (call a user, spec §1, with every check
 * and limit Meta applies), and on a user-initiated call {@code pre_accept}, {@code accept} and {@code reject}, and
 * {@code terminate}. Validates the body, then acts under the number's lock.
 */
final class BusinessCallActions {

    private static final Logger LOG = Logger.getLogger(BusinessCallActions.class);

    private final SimulatorConfig config;
    private final SimulatedNumbers numbers;
    private final UserScripts scripts;
    private final SimulatedPermissions permissions;
    private final SimulatedCalls calls;
    private final Faults faults;
    private final ScheduledExecutorService scheduler;

    BusinessCallActions(SimulatorConfig config, SimulatedNumbers numbers, UserScripts scripts,
                        SimulatedPermissions permissions, SimulatedCalls calls, Faults faults,
                        ScheduledExecutorService scheduler) {
        this.config = config;
        this.numbers = numbers;
        this.scripts = scripts;
        this.permissions = permissions;
        this.calls = calls;
        this.faults = faults;
        this.scheduler = scheduler;
    }

    CompletionStage<Map<String, Object>> act(String phoneNumberId, JsonNode body) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        if (body == null || !body.isObject()) {
            throw GraphError.invalidParameter("request body must be a JSON object");
        }
        if (!"whatsapp".equals(body.path("messaging_product").asText())) {
            throw GraphError.invalidParameter("messaging_product must be \"whatsapp\"");
        }
        String action = body.path("action").asText("");
        faults.before(action);
        synchronized (number) {
            if (number.sipEnabled()) {
                throw new GraphError(CallingError.SIP_ENABLED,
                        "Graph calling API is not available on a SIP-enabled number", null);
            }
            if (!number.callingEnabled()) {
                throw new GraphError(CallingError.CALLING_NOT_ENABLED, "Calling is not enabled for this number",
                        null);
            }
        }
        // an "after applying" fault lets the action happen and loses its answer
        return switch (action) {
            case "connect" -> faults.after(action, connect(number, body));
            case "pre_accept" -> done(faults.after(action, preAccept(number, body)));
            case "accept" -> done(faults.after(action, accept(number, body)));
            case "reject" -> done(faults.after(action, reject(number, body)));
            case "terminate" -> done(faults.after(action, terminate(number, body)));
            default -> throw GraphError.invalidParameter("action must be one of connect, pre_accept, accept, "
                    + "reject, terminate");
        };
    }

    /**
     * Calls the user: answers {@code calls[0].id} at once; then the phone answers the offer and the connect webhook
     * (with the SDP answer), RINGING and the user's script follow. With the connectBeforeResponse chaos switch the
     * answer comes 500 ms after the connect webhook was accepted.
     */
    private CompletionStage<Map<String, Object>> connect(SimulatedNumber number, JsonNode body) {
        String to = CallRequests.text(body.get("to"));
        String recipient = CallRequests.text(body.get("recipient"));
        if (to == null && recipient == null) {
            throw GraphError.invalidParameter("'to' (or 'recipient') is required");
        }
        String user = to != null ? to : recipient; // both: 'to' wins (spec §1)
        if (to != null && !UserIds.isPhoneNumber(to)) {
            throw GraphError.invalidParameter("'to' must be a phone number in international format, digits only");
        }
        if (to == null && !UserIds.isBsuid(recipient)) {
            throw GraphError.invalidParameter("'recipient' must be a business-scoped user id (BSUID)");
        }
        user = UserIds.normalise(user);
        String sdp = CallRequests.session(body, "offer");
        String opaque = CallRequests.opaque(body);
        JsonNode recording = CallRequests.capture(body, "recording");
        JsonNode transcription = CallRequests.capture(body, "transcription");
        SdpCheck.validate(sdp, "offer", number.dtls(), config.strictCandidates());
        // The phone (a WebRTC peer: its own factory and audio module, hundreds of milliseconds on a loaded machine) is
        // made before the number's lock is taken, so concurrent connects are not served one after the other; it is
        // closed again if the call is refused.
        String callId = MetaIds.callId();
        UserScript script = scripts.of(user);
        UserPhone phone = UserPhone.ringing(callId, config.media(), script.toneHz());
        Instant now = Instant.now();
        SimulatedCall call;
        try {
            synchronized (number) {
                permissions.checkMayCall(number, user, now);
                number.initiations.removeIf(t -> t.isBefore(now.minus(SimulatedPermissions.DAY)));
                if (number.initiations.size() >= config.limits().initiationsPerDay()) {
                    throw new GraphError(CallingError.INITIATION_RATE_LIMIT,
                            "Call initiation rate limit reached for this business number", null);
                }
                if (number.liveCallWith(user) != null) {
                    throw new GraphError(CallingError.DUPLICATE_CALL, "A call is already ongoing with this user", null);
                }
                if (number.liveCalls() >= config.limits().concurrentCalls()) {
                    throw new GraphError(CallingError.CONCURRENT_CALL_LIMIT, "Concurrent call limit reached", null);
                }
                number.initiations.add(now);
                call = new SimulatedCall(callId, number.phoneNumberId, user,
                        SimulatedCall.Direction.BUSINESS_INITIATED, SimulatedCall.State.RINGING_USER, script);
                call.offerSdp = sdp;
                call.bizOpaqueCallbackData = opaque;
                call.recording = recording;
                call.transcription = transcription;
                call.phone = phone;
                number.calls.put(call.id, call);
            }
        } catch (RuntimeException refused) {
            phone.close();
            throw refused;
        }
        LOG.infof("simulator: call %s: connect %s → %s", call.id, number.phoneNumberId, user);
        Map<String, Object> response = Map.of("messaging_product", "whatsapp", "calls", List.of(Map.of("id", call.id)));
        SimulatedCall placed = call;
        CompletableFuture<Void> connectWebhook = call.phone.answer(sdp)
                .thenCompose(answer -> calls.ring(number, placed, answer))
                .exceptionally(failure -> {
                    synchronized (number) {
                        if (!placed.live()) { // ended while the phone was still answering (e.g. terminated at once)
                            LOG.debugf("simulator: call %s ended before the phone answered", placed.id);
                            return null;
                        }
                        LOG.errorf(failure, "simulator: call %s: the user's phone could not answer the offer",
                                placed.id);
                        calls.end(number, placed, "FAILED", "client_setup_failed", CallingError.CLIENT_SETUP_FAILED);
                    }
                    return null;
                });
        // connectBeforeResponse: answer only once the connect webhook was accepted, and half a second later, so the
        // receiver has typically processed the webhook before it learns the call id
        return faults.connectBeforeResponse()
                ? connectWebhook.thenCompose(v -> CompletableFuture.runAsync(() -> { },
                        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS, scheduler)))
                .thenApply(v -> response)
                : CompletableFuture.completedFuture(response);
    }

    /** Pre-accepts a user-initiated call: the phone applies the business's answer; media may flow, nobody talks. */
    private Map<String, Object> preAccept(SimulatedNumber number, JsonNode body) {
        String sdp = CallRequests.session(body, "answer");
        synchronized (number) {
            SimulatedCall call = userInitiatedWaiting(number, body, "pre_accept");
            if (call.state == SimulatedCall.State.PREACCEPTED) {
                throw GraphError.invalidParameter("The call is already pre-accepted");
            }
            SdpCheck.validate(sdp, "answer", number.dtls(), config.strictCandidates());
            call.preAcceptSdp = sdp;
            call.answerSdp = sdp;
            call.state = SimulatedCall.State.PREACCEPTED;
            call.phone.applyAnswer(sdp).exceptionally(failure -> calls.mediaFailed(number, call, failure));
            LOG.infof("simulator: call %s: pre-accepted", call.id);
        }
        return success();
    }

    /** Accepts a user-initiated call; after a pre_accept its SDP must be the same (line endings ignored). */
    private Map<String, Object> accept(SimulatedNumber number, JsonNode body) {
        String sdp = CallRequests.session(body, "answer");
        String opaque = CallRequests.opaque(body);
        JsonNode recording = CallRequests.capture(body, "recording");
        JsonNode transcription = CallRequests.capture(body, "transcription");
        synchronized (number) {
            SimulatedCall call = userInitiatedWaiting(number, body, "accept");
            SdpCheck.validate(sdp, "answer", number.dtls(), config.strictCandidates());
            if (call.state == SimulatedCall.State.PREACCEPTED) {
                if (!SdpCheck.normalise(sdp).equals(SdpCheck.normalise(call.preAcceptSdp))) {
                    throw GraphError.invalidParameter("The SDP of accept does not match the SDP of pre_accept");
                }
            } else {
                call.answerSdp = sdp;
                call.phone.applyAnswer(sdp).exceptionally(failure -> calls.mediaFailed(number, call, failure));
            }
            call.phone.countPacketsBeforeAccept(); // before the 200: Meta counts the first packet as the answer
            if (opaque != null) {
                call.bizOpaqueCallbackData = opaque;
            }
            if (recording != null) {
                call.recording = recording;
            }
            if (transcription != null) {
                call.transcription = transcription;
            }
            call.state = SimulatedCall.State.ACTIVE;
            call.acceptedAt = Instant.now();
            permissions.callConnected(number, call);
            calls.answered(number, call);
            LOG.infof("simulator: call %s: accepted", call.id);
        }
        return success();
    }

    /** Declines a user-initiated call before accept: it ends, terminate webhook. */
    private Map<String, Object> reject(SimulatedNumber number, JsonNode body) {
        synchronized (number) {
            SimulatedCall call = userInitiatedWaiting(number, body, "reject");
            calls.end(number, call, "COMPLETED", "business_rejected", null);
        }
        return success();
    }

    /**
     * Ends a live call. A user-initiated call that was not accepted is refused (it must be declined with reject); a
     * business-initiated call ended before pick-up counts as unanswered (spec open question 8).
     */
    private Map<String, Object> terminate(SimulatedNumber number, JsonNode body) {
        synchronized (number) {
            SimulatedCall call = existingCall(number, body);
            if (!call.live()) {
                throw GraphError.invalidParameter("The call has already ended (" + call.endReason + ")");
            }
            if (call.direction == SimulatedCall.Direction.USER_INITIATED
                    && (call.state == SimulatedCall.State.RINGING_BUSINESS
                    || call.state == SimulatedCall.State.PREACCEPTED)) {
                throw GraphError.invalidParameter("The call has not been accepted: decline it with reject, "
                        + "not terminate");
            }
            if (call.direction == SimulatedCall.Direction.BUSINESS_INITIATED && !call.answered()) {
                LOG.infof("simulator: call %s: terminated by the business before pick-up; counted as unanswered "
                        + "(spec open question 8)", call.id);
            }
            calls.end(number, call, "COMPLETED", "business_terminated", null);
        }
        return success();
    }

    private static SimulatedCall existingCall(SimulatedNumber number, JsonNode body) {
        String callId = CallRequests.text(body.get("call_id"));
        if (callId == null) {
            throw GraphError.invalidParameter("'call_id' is required");
        }
        SimulatedCall call = number.calls.get(callId);
        if (call == null) {
            throw GraphError.invalidParameter("Invalid call_id: no such call on this number");
        }
        return call;
    }

    /** A user-initiated call still waiting for the business (ringing or pre-accepted); Meta's 100 otherwise. */
    private static SimulatedCall userInitiatedWaiting(SimulatedNumber number, JsonNode body, String action) {
        SimulatedCall call = existingCall(number, body);
        if (call.direction != SimulatedCall.Direction.USER_INITIATED) {
            throw GraphError.invalidParameter(action + " applies to user-initiated calls only");
        }
        if (call.state == SimulatedCall.State.ACTIVE) {
            throw GraphError.invalidParameter("The call is already accepted");
        }
        if (call.state == SimulatedCall.State.ENDED) {
            throw GraphError.invalidParameter("business_rejected".equals(call.endReason)
                    ? "The call is already rejected" : "The call has already ended (" + call.endReason + ")");
        }
        if (call.state != SimulatedCall.State.RINGING_BUSINESS && call.state != SimulatedCall.State.PREACCEPTED) {
            throw GraphError.invalidParameter("The call can no longer be " + action + "ed (state "
                    + call.state.name().toLowerCase() + ")");
        }
        return call;
    }

    private static CompletionStage<Map<String, Object>> done(Map<String, Object> response) {
        return CompletableFuture.completedFuture(response);
    }

    private static Map<String, Object> success() {
        return Map.of("messaging_product", "whatsapp", "success", true);
    }
}
