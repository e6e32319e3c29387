package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.cloudapi.CallingError;
import dev.callgate.cloudapi.WhatsAppUserId;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Meta's side of the Calling API, simulated: the state per business number, the rules and limits of spec §1–§3 and
 * §8, the user's phone as a real WebRTC peer, and the webhooks that tell Callgate what happened.
 */
@ApplicationScoped
@IfBuildProperty(name = "callgate.simulator.enabled", stringValue = "true", enableIfMissing = true)
public class CallingSimulator {

    private static final Logger LOG = Logger.getLogger(CallingSimulator.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern WA_ID = Pattern.compile("\\+?\\d{6,15}");
    private static final Duration DAY = Duration.ofHours(24);
    private static final Duration WEEK = Duration.ofDays(7);

    private final SimulatorConfig config;
    private final ObjectMapper mapper;
    private final ScheduledExecutorService scheduler;
    private final WebhookDelivery webhooks;
    private final Map<String, SimulatedNumber> numbers = new ConcurrentHashMap<>();
    private final Map<String, UserScript> scripts = new ConcurrentHashMap<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private volatile long acceptedDelayMs;
    private volatile boolean acceptedNever;

    /**
     * A test hook: the next {@code remaining} requests of an action are answered with this HTTP status and Graph code,
     * or delayed by {@code delayMs} first (to provoke client timeouts). {@code hits} counts requests that met it.
     */
    static final class Fault {
        final int httpStatus;
        final int code;
        final long delayMs;
        /** Meta carries the action out, then the answer is lost: the error (or delay) comes after the work. */
        final boolean afterApplying;
        int remaining;
        int hits;

        Fault(int httpStatus, int code, long delayMs, int remaining, boolean afterApplying) {
            this.httpStatus = httpStatus;
            this.code = code;
            this.delayMs = delayMs;
            this.remaining = remaining;
            this.afterApplying = afterApplying;
        }

        Map<String, Object> report() {
            return Map.of("httpStatus", httpStatus, "code", code, "delayMs", delayMs, "remaining", remaining,
                    "hits", hits, "afterApplying", afterApplying);
        }
    }

    public CallingSimulator(SimulatorConfig config, ObjectMapper mapper) {
        this.config = config;
        this.mapper = mapper;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "simulator-timer");
            t.setDaemon(true);
            return t;
        });
        this.webhooks = new WebhookDelivery(config.webhook(), scheduler);
        reset();
    }

    // ---- set-up ---------------------------------------------------------------------------------------------

    /** Forgets every call, permission, script and chaos switch; numbers start with their configured settings. */
    public synchronized void reset() {
        numbers.values().forEach(n -> {
            synchronized (n) {
                n.calls.values().forEach(c -> {
                    c.timers.forEach(t -> t.cancel(false));
                    if (c.phone != null) {
                        c.phone.close();
                    }
                });
            }
        });
        numbers.clear();
        scripts.clear();
        faults.clear();
        webhooks.chaos = WebhookDelivery.Chaos.NONE;
        acceptedDelayMs = 0;
        acceptedNever = false;
        for (String id : config.phoneNumberIds()) {
            String digits = id.replaceAll("\\D", "");
            String display = "1555" + digits.substring(Math.max(0, digits.length() - 7));
            numbers.put(id, new SimulatedNumber(id, display, defaultSettings()));
        }
    }

    private ObjectNode defaultSettings() {
        ObjectNode calling = mapper.createObjectNode();
        calling.put("status", config.callingEnabled() ? "ENABLED" : "DISABLED");
        calling.put("call_icon_visibility", "DEFAULT");
        calling.putObject("call_icons").putArray("restrict_to_user_countries");
        calling.put("callback_permission_status", "DISABLED");
        calling.put("srtp_key_exchange_protocol", "DTLS");
        calling.putObject("audio").putArray("additional_codecs");
        ObjectNode sip = calling.putObject("sip");
        sip.put("status", "DISABLED");
        sip.putArray("servers");
        calling.putObject("voicemail").put("status", "DISABLED");
        return calling;
    }

    @PreDestroy
    void shutdown() {
        reset();
        scheduler.shutdownNow();
    }

    public void chaos(boolean duplicate, boolean reorder, boolean connectBeforeResponse, long delayMs) {
        chaos(duplicate, reorder, connectBeforeResponse, delayMs, 0, false);
    }

    /**
     * The chaos switches; {@code acceptedDelayMs}: the ACCEPTED status of a business-initiated call comes this long
     * after the user picked up; {@code acceptedNever}: it never comes.
     */
    public void chaos(boolean duplicate, boolean reorder, boolean connectBeforeResponse, long delayMs,
                      long acceptedDelayMs, boolean acceptedNever) {
        webhooks.chaos = new WebhookDelivery.Chaos(duplicate, reorder, connectBeforeResponse, delayMs);
        this.acceptedDelayMs = acceptedDelayMs;
        this.acceptedNever = acceptedNever;
    }

    public Map<String, Object> chaos() {
        WebhookDelivery.Chaos c = webhooks.chaos;
        return Map.of("duplicate", c.duplicate(), "reorder", c.reorder(),
                "connectBeforeResponse", c.connectBeforeResponse(), "delayMs", c.delayMs(),
                "acceptedDelayMs", acceptedDelayMs, "acceptedNever", acceptedNever);
    }

    /** Arms a fault for an action: connect, pre_accept, accept, reject, terminate, call_permissions, settings, messages. */
    public void fault(String action, int httpStatus, int code, long delayMs, int count) {
        fault(action, httpStatus, code, delayMs, count, false);
    }

    /** As {@link #fault(String, int, int, long, int)}; {@code afterApplying}: the action is done, the answer lost. */
    public void fault(String action, int httpStatus, int code, long delayMs, int count, boolean afterApplying) {
        faults.put(action, new Fault(httpStatus, code, delayMs, count, afterApplying));
    }

    public Map<String, Object> faults() {
        Map<String, Object> report = new LinkedHashMap<>();
        faults.forEach((action, fault) -> {
            synchronized (fault) {
                report.put(action, fault.report());
            }
        });
        return report;
    }

    /** Applies an armed fault to a request of this action (blocking the worker thread for a delay). */
    void applyFault(String action) {
        applyFault(action, false);
    }

    /** The response of an action that was carried out: a fault armed {@code afterApplying} replaces it now. */
    private Map<String, Object> answered(String action, Map<String, Object> response) {
        applyFault(action, true);
        return response;
    }

    private void applyFault(String action, boolean afterApplying) {
        Fault fault = faults.get(action);
        if (fault == null || fault.afterApplying != afterApplying) {
            return;
        }
        synchronized (fault) {
            if (fault.remaining <= 0) {
                return;
            }
            fault.remaining--;
            fault.hits++;
        }
        if (fault.delayMs > 0) {
            try {
                Thread.sleep(fault.delayMs); // simulates a slow Graph API; runs on a worker thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (fault.httpStatus >= 300) {
            throw new GraphError(CallingError.of(fault.code), "(#" + fault.code + ") injected fault", "injected by "
                    + "the simulator's fault hook", fault.httpStatus);
        }
    }

    public void script(String waId, UserScript script) {
        scripts.put(normaliseWaId(waId), script);
    }

    UserScript scriptFor(String waId) {
        return scripts.computeIfAbsent(normaliseWaId(waId), k -> defaultScript());
    }

    UserScript defaultScript() {
        SimulatorConfig.DefaultUser d = config.defaultUser();
        return new UserScript(d.answerAfter().orElse(null), false, d.hangUpAfter().orElse(null), d.toneHz(), "none");
    }

    // ---- Graph: authentication and numbers ------------------------------------------------------------------

    void checkToken(String authorization) {
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        if (token == null || !config.accessTokens().contains(token)) {
            throw new GraphError(CallingError.INVALID_ACCESS_TOKEN,
                    token == null ? "An access token is required to request this resource."
                            : "Invalid OAuth access token - Cannot parse access token", null);
        }
    }

    SimulatedNumber number(String phoneNumberId) {
        SimulatedNumber number = numbers.get(phoneNumberId);
        if (number == null) {
            throw GraphError.invalidParameter("Unsupported request - object with ID '" + phoneNumberId
                    + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation");
        }
        return number;
    }

    public List<String> phoneNumberIds() {
        return List.copyOf(config.phoneNumberIds());
    }

    // ---- Graph: POST /calls -----------------------------------------------------------------------------------

    CompletionStage<Map<String, Object>> calls(String phoneNumberId, JsonNode body) {
        SimulatedNumber number = number(phoneNumberId);
        if (body == null || !body.isObject()) {
            throw GraphError.invalidParameter("request body must be a JSON object");
        }
        if (!"whatsapp".equals(body.path("messaging_product").asText())) {
            throw GraphError.invalidParameter("messaging_product must be \"whatsapp\"");
        }
        String action = body.path("action").asText("");
        applyFault(action);
        synchronized (number) {
            if ("ENABLED".equals(number.calling.path("sip").path("status").asText())) {
                throw new GraphError(CallingError.SIP_ENABLED,
                        "Graph calling API is not available on a SIP-enabled number", null);
            }
            if (!"ENABLED".equals(number.calling.path("status").asText())) {
                throw new GraphError(CallingError.CALLING_NOT_ENABLED, "Calling is not enabled for this number",
                        null);
            }
        }
        return switch (action) {
            case "connect" -> {
                CompletionStage<Map<String, Object>> placed = connect(number, body);
                applyFault(action, true); // the call is placed; an "after applying" fault loses the answer
                yield placed;
            }
            case "pre_accept" -> done(answered(action, preAccept(number, body)));
            case "accept" -> done(answered(action, accept(number, body)));
            case "reject" -> done(answered(action, reject(number, body)));
            case "terminate" -> done(answered(action, terminate(number, body)));
            default -> throw GraphError.invalidParameter("action must be one of connect, pre_accept, accept, "
                    + "reject, terminate");
        };
    }

    private static CompletionStage<Map<String, Object>> done(Map<String, Object> response) {
        return CompletableFuture.completedFuture(response);
    }

    private static Map<String, Object> success() {
        return Map.of("messaging_product", "whatsapp", "success", true);
    }

    private CompletionStage<Map<String, Object>> connect(SimulatedNumber number, JsonNode body) {
        String to = text(body.get("to"));
        String recipient = text(body.get("recipient"));
        if (to == null && recipient == null) {
            throw GraphError.invalidParameter("'to' (or 'recipient') is required");
        }
        String user = to != null ? to : recipient; // both: 'to' wins (spec §1)
        if (to != null && !WA_ID.matcher(to).matches()) {
            throw GraphError.invalidParameter("'to' must be a phone number in international format, digits only");
        }
        if (to == null && !WhatsAppUserId.isBsuid(recipient)) {
            throw GraphError.invalidParameter("'recipient' must be a business-scoped user id (BSUID)");
        }
        user = normaliseWaId(user);
        String sdp = session(body, "offer");
        String opaque = opaque(body);
        JsonNode recording = capture(body, "recording");
        JsonNode transcription = capture(body, "transcription");
        Instant now = Instant.now();
        SimulatedCall call;
        synchronized (number) {
            SdpCheck.validate(sdp, "offer", dtls(number), config.strictCandidates());
            PermissionRecord permission = permission(number, user);
            if (permission.effectiveStatus(now) == PermissionRecord.Status.NO_PERMISSION) {
                throw new GraphError(CallingError.NO_CALL_PERMISSION,
                        "No approved call permission from the recipient", null);
            }
            int connected = PermissionRecord.countSince(permission.connectedCalls, now.minus(DAY));
            if (connected >= config.limits().connectedCallsPerDay()) {
                Instant next = permission.connectedCalls.stream().filter(t -> !t.isBefore(now.minus(DAY)))
                        .findFirst().orElse(now).plus(DAY);
                throw new GraphError(CallingError.CONNECTED_CALL_LIMIT,
                        "Business-initiated connected call limit reached for this user",
                        "You can call this user again at " + next.getEpochSecond() + " (" + next + ")");
            }
            number.initiations.removeIf(t -> t.isBefore(now.minus(DAY)));
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
            call = new SimulatedCall(newCallId(), number.phoneNumberId, user, SimulatedCall.Direction.BUSINESS_INITIATED,
                    SimulatedCall.State.RINGING_USER, scriptFor(user));
            call.offerSdp = sdp;
            call.bizOpaqueCallbackData = opaque;
            call.recording = recording;
            call.transcription = transcription;
            call.phone = UserPhone.ringing(call.id, config.media(), call.script.toneHz());
            number.calls.put(call.id, call);
        }
        LOG.infof("simulator: call %s: connect %s → %s", call.id, number.phoneNumberId, user);
        Map<String, Object> response = Map.of("messaging_product", "whatsapp", "calls", List.of(Map.of("id", call.id)));
        SimulatedCall placed = call;
        CompletableFuture<Void> connectWebhook = call.phone.answer(sdp)
                .thenCompose(answer -> ring(number, placed, answer))
                .exceptionally(failure -> {
                    synchronized (number) {
                        if (!placed.live()) { // ended while the phone was still answering (e.g. terminated at once)
                            LOG.debugf("simulator: call %s ended before the phone answered", placed.id);
                            return null;
                        }
                        LOG.errorf(failure, "simulator: call %s: the user's phone could not answer the offer",
                                placed.id);
                        end(number, placed, "FAILED", "client_setup_failed", CallingError.CLIENT_SETUP_FAILED);
                    }
                    return null;
                });
        // connectBeforeResponse: answer only once the connect webhook was accepted, and half a second later, so the
        // receiver has typically processed the webhook before it learns the call id
        return webhooks.chaos.connectBeforeResponse()
                ? connectWebhook.thenCompose(v -> CompletableFuture.runAsync(() -> { },
                        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS, scheduler)))
                .thenApply(v -> response)
                : CompletableFuture.completedFuture(response);
    }

    /** The phone has its answer: connect webhook, RINGING, and the user's script. */
    private CompletableFuture<Void> ring(SimulatedNumber number, SimulatedCall call, String answer) {
        synchronized (number) {
            if (!call.live()) {
                return CompletableFuture.completedFuture(null);
            }
            call.answerSdp = answer;
            call.ringingAt = Instant.now();
            CompletableFuture<Void> connect = queueCallEvent(number, call, "connect", "answer", answer);
            queueStatus(number, call, "RINGING");
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

    /** The user picks up (or the admin API says so). Caller holds the number's lock. */
    void userAnswers(SimulatedNumber number, SimulatedCall call) {
        if (call.state != SimulatedCall.State.RINGING_USER) {
            return;
        }
        call.state = SimulatedCall.State.ACTIVE;
        call.acceptedAt = Instant.now();
        call.phone.pickUp();
        connected(number, call);
        // Meta sends ACCEPTED after media is up, "mainly for auditing": by chaos switch late, or never
        long delay = acceptedDelayMs;
        if (acceptedNever) {
            LOG.infof("simulator: call %s: answered; ACCEPTED withheld (chaos)", call.id);
        } else if (delay > 0) {
            call.timers.add(scheduler.schedule(() -> {
                synchronized (number) {
                    queueStatus(number, call, "ACCEPTED"); // late (dropped if the call ended before)
                }
            }, delay, TimeUnit.MILLISECONDS));
        } else {
            queueStatus(number, call, "ACCEPTED");
        }
        afterAnswer(number, call);
    }

    void userRejects(SimulatedNumber number, SimulatedCall call) {
        if (call.state != SimulatedCall.State.RINGING_USER) {
            return;
        }
        queueStatus(number, call, "REJECTED");
        end(number, call, "COMPLETED", "rejected", null);
    }

    /** The user hangs up (script or admin API). */
    void userHangsUp(SimulatedNumber number, SimulatedCall call) {
        if (call.live()) {
            end(number, call, "COMPLETED", "user_hung_up", null);
        }
    }

    private void afterAnswer(SimulatedNumber number, SimulatedCall call) {
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

    private void connected(SimulatedNumber number, SimulatedCall call) {
        PermissionRecord permission = permission(number, call.userWaId);
        permission.connectedCalls.add(call.acceptedAt);
        permission.unansweredStreak = 0;
        permission.requestTimes.clear(); // a connected call resets the permission-request limits
    }

    private String session(JsonNode body, String expectedType) {
        JsonNode session = body.get("session");
        if (body.has("connection") && session == null) {
            throw GraphError.invalidParameter("'connection' is deprecated; send the SDP in 'session'");
        }
        if (session == null || !session.isObject()) {
            throw GraphError.invalidParameter("'session' with sdp_type and sdp is required");
        }
        String type = session.path("sdp_type").asText("");
        if (!expectedType.equals(type)) {
            throw GraphError.invalidParameter("session.sdp_type must be \"" + expectedType + "\" for action "
                    + body.path("action").asText());
        }
        return text(session.get("sdp"));
    }

    private static String opaque(JsonNode body) {
        String opaque = text(body.get("biz_opaque_callback_data"));
        if (opaque != null && opaque.length() > 512) {
            throw GraphError.invalidParameter("biz_opaque_callback_data must be at most 512 characters");
        }
        return opaque;
    }

    /**
     * A {@code recording} / {@code transcription} object of connect or accept (spec §1): {@code status} ENABLED or
     * DISABLED, {@code purpose} at most 250 characters; anything else is refused with 100.
     */
    private static JsonNode capture(JsonNode body, String field) {
        JsonNode option = body.get(field);
        if (option == null || option.isNull()) {
            return null;
        }
        String status = option.path("status").asText("");
        if (!option.isObject() || !(status.equals("ENABLED") || status.equals("DISABLED"))) {
            throw GraphError.invalidParameter(field + ".status must be ENABLED or DISABLED");
        }
        if (option.path("purpose").asText("").length() > 250) {
            throw GraphError.invalidParameter(field + ".purpose must be at most 250 characters");
        }
        return option;
    }

    private static boolean dtls(SimulatedNumber number) {
        return !"SDES".equals(number.calling.path("srtp_key_exchange_protocol").asText());
    }

    private SimulatedCall existingCall(SimulatedNumber number, JsonNode body) {
        String callId = text(body.get("call_id"));
        if (callId == null) {
            throw GraphError.invalidParameter("'call_id' is required");
        }
        SimulatedCall call = number.calls.get(callId);
        if (call == null) {
            throw GraphError.invalidParameter("Invalid call_id: no such call on this number");
        }
        return call;
    }

    private Map<String, Object> preAccept(SimulatedNumber number, JsonNode body) {
        String sdp = session(body, "answer");
        synchronized (number) {
            SimulatedCall call = userInitiatedWaiting(number, body, "pre_accept");
            if (call.state == SimulatedCall.State.PREACCEPTED) {
                throw GraphError.invalidParameter("The call is already pre-accepted");
            }
            SdpCheck.validate(sdp, "answer", dtls(number), config.strictCandidates());
            call.preAcceptSdp = sdp;
            call.answerSdp = sdp;
            call.state = SimulatedCall.State.PREACCEPTED;
            call.phone.applyAnswer(sdp).exceptionally(failure -> mediaFailed(number, call, failure));
            LOG.infof("simulator: call %s: pre-accepted", call.id);
        }
        return success();
    }

    private Map<String, Object> accept(SimulatedNumber number, JsonNode body) {
        String sdp = session(body, "answer");
        String opaque = opaque(body);
        JsonNode recording = capture(body, "recording");
        JsonNode transcription = capture(body, "transcription");
        synchronized (number) {
            SimulatedCall call = userInitiatedWaiting(number, body, "accept");
            SdpCheck.validate(sdp, "answer", dtls(number), config.strictCandidates());
            if (call.state == SimulatedCall.State.PREACCEPTED) {
                if (!SdpCheck.normalise(sdp).equals(SdpCheck.normalise(call.preAcceptSdp))) {
                    throw GraphError.invalidParameter("The SDP of accept does not match the SDP of pre_accept");
                }
            } else {
                call.answerSdp = sdp;
                call.phone.applyAnswer(sdp).exceptionally(failure -> mediaFailed(number, call, failure));
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
            connected(number, call);
            afterAnswer(number, call);
            LOG.infof("simulator: call %s: accepted", call.id);
        }
        return success();
    }

    private Void mediaFailed(SimulatedNumber number, SimulatedCall call, Throwable failure) {
        LOG.errorf(failure, "simulator: call %s: the phone could not apply the answer", call.id);
        synchronized (number) {
            end(number, call, "FAILED", "client_setup_failed", CallingError.CLIENT_SETUP_FAILED);
        }
        return null;
    }

    private Map<String, Object> reject(SimulatedNumber number, JsonNode body) {
        synchronized (number) {
            SimulatedCall call = userInitiatedWaiting(number, body, "reject");
            end(number, call, "COMPLETED", "business_rejected", null);
        }
        return success();
    }

    private SimulatedCall userInitiatedWaiting(SimulatedNumber number, JsonNode body, String action) {
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
            end(number, call, "COMPLETED", "business_terminated", null);
        }
        return success();
    }

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
        queueTerminate(number, call, status, error);
        queueMetaMedia(number, call);
        if (call.direction == SimulatedCall.Direction.BUSINESS_INITIATED && !call.answered()) {
            unanswered(number, call.userWaId);
        }
        if (call.phone != null) {
            UserPhone phone = call.phone;
            scheduler.execute(phone::close);
        }
        LOG.infof("simulator: call %s: ended (%s, %s)", call.id, status, reason);
    }

    private void unanswered(SimulatedNumber number, String user) {
        PermissionRecord permission = permission(number, user);
        permission.unansweredStreak++;
        if (permission.unansweredStreak == config.limits().nudgeAfterUnanswered()) {
            LOG.infof("simulator: user %s: %d unanswered calls in a row, WhatsApp nudges them to reconsider", user,
                    permission.unansweredStreak);
        }
        if (permission.unansweredStreak >= config.limits().revokeAfterUnanswered()
                && permission.status != PermissionRecord.Status.NO_PERMISSION) {
            permission.revoke();
            LOG.infof("simulator: user %s: permission revoked automatically after %d unanswered calls", user,
                    permission.unansweredStreak);
            queuePermissionReply(number, user, "reject", false, null, "automatic", null);
        }
    }

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

    // ---- user-initiated calls -------------------------------------------------------------------------------

    /** The user calls the business: the phone makes an offer, the connect webhook carries it. */
    public String placeUserCall(String phoneNumberId, String waId, Double toneHz, Duration hangUpAfter) {
        return placeUserCall(phoneNumberId, waId, toneHz, hangUpAfter, null, null);
    }

    /**
     * The user calls the business; {@code deeplinkPayload} (a {@code wa.me/call/…?biz_payload=} link) or
     * {@code ctaPayload} (a voice-call button) ride on the connect and terminate webhooks, as Meta sends them.
     */
    public String placeUserCall(String phoneNumberId, String waId, Double toneHz, Duration hangUpAfter,
                                String deeplinkPayload, String ctaPayload) {
        SimulatedNumber number = number(phoneNumberId);
        String user = normaliseWaId(waId);
        SimulatedCall call;
        synchronized (number) {
            if (!"ENABLED".equals(number.calling.path("status").asText())) {
                throw new IllegalStateException("calling is not enabled on " + phoneNumberId);
            }
            if (number.liveCallWith(user) != null) {
                throw new IllegalStateException("user " + user + " is already on a call with " + phoneNumberId);
            }
            UserScript base = scriptFor(user);
            UserScript script = new UserScript(base.answerAfter(), base.reject(),
                    hangUpAfter != null ? hangUpAfter : base.hangUpAfter(), toneHz != null ? toneHz : base.toneHz(),
                    base.permissionRequestReply());
            call = new SimulatedCall(newCallId(), number.phoneNumberId, user, SimulatedCall.Direction.USER_INITIATED,
                    SimulatedCall.State.RINGING_BUSINESS, script);
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
                queueCallEvent(number, placed, "connect", "offer", offer);
                if ("ENABLED".equals(number.calling.path("callback_permission_status").asText())) {
                    PermissionRecord permission = permission(number, user);
                    if (permission.effectiveStatus(Instant.now()) == PermissionRecord.Status.NO_PERMISSION) {
                        permission.grant(PermissionRecord.Status.TEMPORARY,
                                Instant.now().plus(config.limits().temporaryPermission()));
                        queuePermissionReply(number, user, "accept", false, permission.expiresAt, "automatic",
                                placed.id);
                    }
                }
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

    /**
     * Admin: the call fails on the user's side now and Meta's terminate says FAILED — with error {@code code} (138019
     * to 138023) at value level, or inside the call item when {@code errorsInItem}; with no error at all when
     * {@code code} is null (Meta sends such terminates too).
     */
    public void fail(String callId, Integer code, boolean errorsInItem) {
        for (SimulatedNumber number : numbers.values()) {
            synchronized (number) {
                SimulatedCall call = number.calls.get(callId);
                if (call == null) {
                    continue;
                }
                if (!call.live()) {
                    throw new IllegalStateException("call " + callId + " has already ended");
                }
                call.errorsInItem = errorsInItem;
                end(number, call, "FAILED", "user_side_failure", code == null ? null : CallingError.of(code));
                return;
            }
        }
        throw new java.util.NoSuchElementException("no call " + callId);
    }

    /** Admin: the user on this call answers, rejects or hangs up now. */
    public void userAction(String callId, String action) {
        for (SimulatedNumber number : numbers.values()) {
            synchronized (number) {
                SimulatedCall call = number.calls.get(callId);
                if (call == null) {
                    continue;
                }
                switch (action) {
                    case "answer" -> userAnswers(number, call);
                    case "reject" -> userRejects(number, call);
                    case "hangup" -> userHangsUp(number, call);
                    default -> throw new IllegalArgumentException("unknown user action " + action);
                }
                return;
            }
        }
        throw new java.util.NoSuchElementException("no call " + callId);
    }

    // ---- permissions ----------------------------------------------------------------------------------------

    /** The record for (number, user), created with the default user's permission. Lock held. */
    PermissionRecord permission(SimulatedNumber number, String user) {
        return number.permissions.computeIfAbsent(normaliseWaId(user), u -> {
            PermissionRecord.Status status = switch (config.defaultUser().permission().toLowerCase()) {
                case "permanent" -> PermissionRecord.Status.PERMANENT;
                case "no_permission", "none" -> PermissionRecord.Status.NO_PERMISSION;
                default -> PermissionRecord.Status.TEMPORARY;
            };
            return new PermissionRecord(status, status == PermissionRecord.Status.TEMPORARY
                    ? Instant.now().plus(config.limits().temporaryPermission()) : null);
        });
    }

    Map<String, Object> callPermissions(String phoneNumberId, String userWaId) {
        SimulatedNumber number = number(phoneNumberId);
        if (userWaId == null || userWaId.isBlank()) {
            throw GraphError.invalidParameter("user_wa_id (or recipient) is required");
        }
        applyFault("call_permissions");
        Instant now = Instant.now();
        synchronized (number) {
            number.permissionFetches.removeIf(t -> t.isBefore(now.minusSeconds(1)));
            if (number.permissionFetches.size() >= config.limits().permissionFetchesPerSecond()) {
                throw new GraphError(CallingError.PERMISSION_FETCH_RATE_LIMIT,
                        "(#613) Calls to this api have exceeded the rate limit.", null);
            }
            number.permissionFetches.add(now);
            PermissionRecord permission = permission(number, userWaId);
            PermissionRecord.Status status = permission.effectiveStatus(now);
            Map<String, Object> perm = new LinkedHashMap<>();
            perm.put("status", status.name().toLowerCase());
            if (status == PermissionRecord.Status.TEMPORARY && permission.expiresAt != null) {
                perm.put("expiration_time", permission.expiresAt.getEpochSecond());
            }
            int day = PermissionRecord.countSince(permission.requestTimes, now.minus(DAY));
            int week = PermissionRecord.countSince(permission.requestTimes, now.minus(WEEK));
            int connected = PermissionRecord.countSince(permission.connectedCalls, now.minus(DAY));
            boolean canRequest = status != PermissionRecord.Status.PERMANENT
                    && day < config.limits().permissionRequestsPerDay()
                    && week < config.limits().permissionRequestsPerWeek();
            List<Map<String, Object>> actions = new ArrayList<>();
            actions.add(Map.of("action_name", "send_call_permission_request", "can_perform_action", canRequest,
                    "limits", List.of(limit("PT24H", config.limits().permissionRequestsPerDay(), day,
                                    permission.requestTimes, DAY, now),
                            limit("P7D", config.limits().permissionRequestsPerWeek(), week,
                                    permission.requestTimes, WEEK, now))));
            actions.add(Map.of("action_name", "start_call",
                    "can_perform_action", status != PermissionRecord.Status.NO_PERMISSION
                            && connected < config.limits().connectedCallsPerDay(),
                    "limits", List.of(limit("PT24H", config.limits().connectedCallsPerDay(), connected,
                            permission.connectedCalls, DAY, now))));
            return Map.of("messaging_product", "whatsapp", "permission", perm, "actions", actions);
        }
    }

    private static Map<String, Object> limit(String period, int max, int used, java.util.Deque<Instant> times,
                                             Duration window, Instant now) {
        Map<String, Object> limit = new LinkedHashMap<>();
        limit.put("time_period", period);
        limit.put("max_allowed", max);
        limit.put("current_usage", used);
        if (used >= max) {
            times.stream().filter(t -> !t.isBefore(now.minus(window))).findFirst()
                    .ifPresent(oldest -> limit.put("limit_expiration_time", oldest.plus(window).getEpochSecond()));
        }
        return limit;
    }

    /** Admin: grant a permission (permanent = the user's grant from the business profile, which sends a webhook). */
    public void grant(String phoneNumberId, String waId, boolean permanent) {
        SimulatedNumber number = number(phoneNumberId);
        synchronized (number) {
            PermissionRecord permission = permission(number, waId);
            permission.grant(permanent ? PermissionRecord.Status.PERMANENT : PermissionRecord.Status.TEMPORARY,
                    Instant.now().plus(config.limits().temporaryPermission()));
            permission.unansweredStreak = 0;
            if (permanent) {
                queuePermissionReply(number, normaliseWaId(waId), "accept", true, null, "user_action", null);
            }
        }
    }

    /** Admin: the user revokes the permission (no webhook: whether Meta sends one is unconfirmed). */
    public void revoke(String phoneNumberId, String waId) {
        SimulatedNumber number = number(phoneNumberId);
        synchronized (number) {
            permission(number, waId).revoke();
        }
    }

    /** Admin: the user answers the latest permission request (or a given one). */
    public void replyToPermissionRequest(String phoneNumberId, String waId, String response, boolean permanent,
                                         String messageId) {
        SimulatedNumber number = number(phoneNumberId);
        synchronized (number) {
            PermissionRecord permission = permission(number, waId);
            String context = messageId != null ? messageId : permission.lastRequestMessageId;
            if (context == null) {
                throw new IllegalStateException("user " + waId + " has no permission request to reply to");
            }
            if (permission.undeliveredRequests.contains(context)) {
                throw new IllegalStateException("permission request " + context + " never reached user " + waId);
            }
            if ("accept".equals(response)) {
                permission.grant(permanent ? PermissionRecord.Status.PERMANENT : PermissionRecord.Status.TEMPORARY,
                        Instant.now().plus(config.limits().temporaryPermission()));
                permission.unansweredStreak = 0;
            } else {
                permission.revoke();
            }
            queuePermissionReply(number, normaliseWaId(waId), response, permanent,
                    "accept".equals(response) && !permanent ? permission.expiresAt : null, "user_action", context);
        }
    }

    // ---- Graph: messages ------------------------------------------------------------------------------------

    /** The account's message templates; a template is a permission request by its component, not its name. */
    private final MessageTemplates templates = new MessageTemplates();

    /** {@code POST /{waba_id}/message_templates}: the template is approved at once. */
    Map<String, Object> createTemplate(String wabaId, JsonNode body) {
        if (!config.wabaId().equals(wabaId)) {
            throw GraphError.invalidParameter("unknown WhatsApp Business Account " + wabaId);
        }
        applyFault("message_templates");
        return templates.create(body);
    }

    Map<String, Object> messages(String phoneNumberId, JsonNode body) {
        SimulatedNumber number = number(phoneNumberId);
        applyFault("messages");
        if (body == null || !"whatsapp".equals(body.path("messaging_product").asText())) {
            throw GraphError.invalidParameter("messaging_product must be \"whatsapp\"");
        }
        String to = text(body.get("to"));
        if (to == null && WhatsAppUserId.isBsuid(text(body.get("recipient")))) {
            to = text(body.get("recipient")); // a user known only by BSUID
        } else if (to == null || !WA_ID.matcher(to).matches()) {
            throw GraphError.invalidParameter("'to' must be a phone number in international format (or "
                    + "'recipient' a BSUID)");
        }
        String user = normaliseWaId(to);
        String type = body.path("type").asText("");
        boolean permissionRequest;
        switch (type) {
            case "interactive" -> {
                JsonNode interactive = body.path("interactive");
                permissionRequest = "call_permission_request".equals(interactive.path("type").asText());
                if (permissionRequest) {
                    if (!"call_permission_request".equals(interactive.path("action").path("name").asText())) {
                        throw GraphError.invalidParameter(
                                "interactive.action.name must be \"call_permission_request\"");
                    }
                    if (interactive.has("header") || interactive.has("footer")) {
                        throw GraphError.invalidParameter(
                                "call_permission_request messages take no header or footer");
                    }
                } else if (interactive.path("type").asText("").isEmpty()) {
                    throw GraphError.invalidParameter("interactive.type is required");
                }
            }
            case "template" -> {
                String name = body.path("template").path("name").asText("");
                String language = body.path("template").path("language").path("code").asText("");
                if (name.isEmpty() || language.isEmpty()) {
                    throw GraphError.invalidParameter("template.name and template.language.code are required");
                }
                permissionRequest = templates.requestsCallPermission(name, language);
            }
            case "text" -> {
                permissionRequest = false;
                if (body.path("text").path("body").asText("").isEmpty()) {
                    throw GraphError.invalidParameter("text.body is required");
                }
            }
            default -> throw GraphError.invalidParameter("unsupported message type '" + type + "'");
        }
        String messageId = "wamid." + randomId(24);
        if (permissionRequest) {
            UserScript script = scriptFor(user);
            Integer failsWith = script.permissionRequestFails();
            synchronized (number) {
                Instant now = Instant.now();
                PermissionRecord permission = permission(number, user);
                if (permission.effectiveStatus(now) == PermissionRecord.Status.PERMANENT) {
                    throw new GraphError(CallingError.PERMANENT_PERMISSION_EXISTS,
                            "The user has already granted permanent call permission", null);
                }
                if (PermissionRecord.countSince(permission.requestTimes, now.minus(DAY))
                        >= config.limits().permissionRequestsPerDay()
                        || PermissionRecord.countSince(permission.requestTimes, now.minus(WEEK))
                        >= config.limits().permissionRequestsPerWeek()) {
                    throw new GraphError(CallingError.PERMISSION_REQUEST_LIMIT,
                            "Call permission request limit reached for this user", null);
                }
                // counted even when it then fails to reach the user: whether Meta counts it is not documented
                permission.requestTimes.add(now);
                if (failsWith == null) {
                    permission.lastRequestMessageId = messageId;
                } else {
                    permission.undeliveredRequests.add(messageId);
                }
            }
            // Meta's message statuses on the messages field, in order, before any reply of the user
            queueMessageStatus(number, user, messageId, "sent", null);
            scheduler.schedule(() -> queueMessageStatus(number, user, messageId,
                    failsWith == null ? "delivered" : "failed", failsWith), 100, TimeUnit.MILLISECONDS);
            if (failsWith == null && !"none".equals(script.permissionRequestReply())) {
                String reply = script.permissionRequestReply();
                scheduler.schedule(() -> replyToPermissionRequest(phoneNumberId, user,
                        reply.startsWith("accept") ? "accept" : "reject", reply.equals("accept_permanent"),
                        messageId), 200, TimeUnit.MILLISECONDS);
            }
            LOG.infof("simulator: permission request %s to %s%s", messageId, user,
                    failsWith == null ? "" : " will fail with " + failsWith);
        }
        return Map.of("messaging_product", "whatsapp",
                "contacts", List.of(Map.of("input", to, "wa_id", user)),
                "messages", List.of(Map.of("id", messageId)));
    }

    // ---- Graph: settings ------------------------------------------------------------------------------------

    Map<String, Object> settings(String phoneNumberId) {
        SimulatedNumber number = number(phoneNumberId);
        applyFault("settings");
        synchronized (number) {
            return Map.of("calling", number.calling.deepCopy(),
                    "storage_configuration", Map.of("status", "DEFAULT"));
        }
    }

    Map<String, Object> updateSettings(String phoneNumberId, JsonNode body) {
        SimulatedNumber number = number(phoneNumberId);
        applyFault("settings");
        JsonNode calling = body == null ? null : body.get("calling");
        if (calling == null || !calling.isObject()) {
            throw GraphError.invalidParameter("'calling' object is required");
        }
        SettingsCheck.validate(calling);
        synchronized (number) {
            ObjectNode updated = number.calling.deepCopy();
            calling.fields().forEachRemaining(field -> updated.set(field.getKey(), field.getValue().deepCopy()));
            if (calling.has("call_hours") && !calling.path("call_hours").has("holiday_schedule")) {
                ((ObjectNode) updated.get("call_hours")).remove("holiday_schedule");
            }
            SettingsCheck.storeTimesAsHhmm(updated.path("call_hours")); // "08:00" is taken, "0800" is kept
            number.calling = updated;
        }
        return Map.of("success", true);
    }

    // ---- webhooks -------------------------------------------------------------------------------------------

    private ObjectNode envelope(SimulatedNumber number, String field, ArrayNode contacts) {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "whatsapp_business_account");
        ObjectNode change = root.putArray("entry").addObject().put("id", config.wabaId())
                .putArray("changes").addObject();
        change.put("field", field);
        ObjectNode value = change.putObject("value");
        value.put("messaging_product", "whatsapp");
        ObjectNode metadata = value.putObject("metadata");
        metadata.put("display_phone_number", number.displayPhoneNumber);
        metadata.put("phone_number_id", number.phoneNumberId);
        if (contacts != null) {
            value.set("contacts", contacts);
        }
        return root;
    }

    private static ObjectNode value(ObjectNode envelope) {
        return (ObjectNode) envelope.path("entry").path(0).path("changes").path(0).path("value");
    }

    /**
     * The contact of a webhook (spec §4.2). Every user has a BSUID ({@code user_id}); a user known by phone number
     * also has {@code wa_id}; a user known only by BSUID (a username user) has a {@code profile.username} and no
     * phone number anywhere.
     */
    private ArrayNode contacts(String user) {
        ArrayNode contacts = mapper.createArrayNode();
        ObjectNode contact = contacts.addObject();
        String tail = user.substring(Math.max(0, user.length() - 4));
        ObjectNode profile = contact.putObject("profile").put("name", "Simulated user " + tail);
        if (WhatsAppUserId.isBsuid(user)) {
            profile.put("username", "@sim_user_" + tail);
        } else {
            contact.put("wa_id", user);
        }
        contact.put("user_id", bsuidOf(user));
        return contacts;
    }

    /** The BSUID of a simulated user: the user's own id for a BSUID user, else one derived from the number. */
    static String bsuidOf(String user) {
        return WhatsAppUserId.isBsuid(user) ? user : "US.9" + user;
    }

    /** Puts the user's phone number under {@code phoneField} (when the user has one) and BSUID under {@code idField}. */
    private static void putUser(ObjectNode item, String phoneField, String idField, String user) {
        if (!WhatsAppUserId.isBsuid(user)) {
            item.put(phoneField, user);
        }
        item.put(idField, bsuidOf(user));
    }

    private ObjectNode callItem(SimulatedNumber number, SimulatedCall call, String event) {
        ObjectNode item = mapper.createObjectNode();
        item.put("id", call.id);
        boolean bic = call.direction == SimulatedCall.Direction.BUSINESS_INITIATED;
        if (bic) {
            item.put("from", number.displayPhoneNumber);
            putUser(item, "to", "to_user_id", call.userWaId);
        } else {
            putUser(item, "from", "from_user_id", call.userWaId);
            item.put("to", number.displayPhoneNumber);
        }
        item.put("event", event);
        item.put("timestamp", String.valueOf(Instant.now().getEpochSecond()));
        item.put("direction", call.direction.name());
        if (call.bizOpaqueCallbackData != null) {
            item.put("biz_opaque_callback_data", call.bizOpaqueCallbackData);
        }
        if (!bic && (event.equals("connect") || event.equals("terminate"))) {
            if (call.deeplinkPayload != null) {
                item.put("deeplink_payload", call.deeplinkPayload);
            }
            if (call.ctaPayload != null) {
                item.put("cta_payload", call.ctaPayload);
            }
        }
        return item;
    }

    private CompletableFuture<Void> queueCallEvent(SimulatedNumber number, SimulatedCall call, String event,
                                                   String sdpType, String sdp) {
        ObjectNode envelope = envelope(number, "calls", contacts(call.userWaId));
        ObjectNode item = callItem(number, call, event);
        item.putObject("session").put("sdp_type", sdpType).put("sdp", sdp);
        value(envelope).putArray("calls").add(item);
        return queue(call, event, envelope);
    }

    private void queueStatus(SimulatedNumber number, SimulatedCall call, String status) {
        ObjectNode envelope = envelope(number, "calls", null);
        ObjectNode item = value(envelope).putArray("statuses").addObject();
        item.put("id", call.id);
        item.put("timestamp", String.valueOf(Instant.now().getEpochSecond()));
        item.put("type", "call");
        item.put("status", status);
        putUser(item, "recipient_id", "recipient_user_id", call.userWaId);
        if (call.bizOpaqueCallbackData != null) {
            item.put("biz_opaque_callback_data", call.bizOpaqueCallbackData);
        }
        queue(call, status, envelope);
    }

    private void queueTerminate(SimulatedNumber number, SimulatedCall call, String status, CallingError error) {
        ObjectNode envelope = envelope(number, "calls", contacts(call.userWaId));
        ObjectNode item = callItem(number, call, "terminate");
        item.put("status", status);
        if (call.acceptedAt != null) {
            item.put("start_time", String.valueOf(call.acceptedAt.getEpochSecond()));
            item.put("end_time", String.valueOf(call.endedAt.getEpochSecond()));
            item.put("duration", Math.max(0, call.endedAt.getEpochSecond() - call.acceptedAt.getEpochSecond()));
        }
        value(envelope).putArray("calls").add(item);
        if (error != null) {
            ObjectNode e = (call.errorsInItem ? item : value(envelope)).putArray("errors").addObject();
            e.put("code", error.code());
            e.put("message", error.name().toLowerCase().replace('_', ' '));
            e.put("href", "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/");
            e.putObject("error_data").put("details", call.endReason);
        }
        queue(call, "terminate", envelope);
    }

    /**
     * A message status webhook on the {@code messages} field ({@code sent}, {@code delivered}, or {@code failed} with
     * {@code errorCode}), ordered with the user's permission replies.
     */
    private void queueMessageStatus(SimulatedNumber number, String user, String messageId, String status,
                                    Integer errorCode) {
        ObjectNode envelope = envelope(number, "messages", null);
        ObjectNode item = value(envelope).putArray("statuses").addObject();
        item.put("id", messageId);
        item.put("status", status);
        item.put("timestamp", String.valueOf(Instant.now().getEpochSecond()));
        item.put("recipient_id", user);
        if (errorCode == null) {
            item.putObject("conversation").put("id", randomId(16)).putObject("origin").put("type", "service");
            item.putObject("pricing").put("billable", true).put("pricing_model", "PMP").put("category", "service");
        } else {
            String title = errorCode == 131026 ? "Message undeliverable" : "Message failed to send";
            ObjectNode error = item.putArray("errors").addObject();
            error.put("code", errorCode);
            error.put("title", title);
            error.put("message", title);
            error.putObject("error_data").put("details", errorCode == 131026
                    ? "The recipient's WhatsApp version does not support call permission requests."
                    : "Simulated failure " + errorCode + ".");
            error.put("href", "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/");
        }
        WebhookDelivery.Record record = new WebhookDelivery.Record("message_status " + status, envelope.toString());
        synchronized (number) {
            permission(number, user).requestStatuses.computeIfAbsent(messageId, id -> new ArrayList<>()).add(record);
        }
        webhooks.send("perm:" + number.phoneNumberId + ":" + user, record);
    }

    /** Admin: the user's permission requests, oldest first, with their status webhooks and what became of them. */
    public List<Map<String, Object>> permissionRequests(String phoneNumberId, String waId) {
        SimulatedNumber number = number(phoneNumberId);
        synchronized (number) {
            PermissionRecord permission = permission(number, waId);
            List<Map<String, Object>> requests = new ArrayList<>();
            permission.requestStatuses.forEach((messageId, statuses) -> requests.add(Map.of("messageId", messageId,
                    "delivered", !permission.undeliveredRequests.contains(messageId),
                    "webhooks", statuses.stream().map(WebhookDelivery.Record::report).toList())));
            return requests;
        }
    }

    /**
     * After a picked-up call with Meta-native recording or transcription ENABLED ends: {@code call_recording_available}
     * (an ogg/opus audio) and {@code call_transcription_available} (a JSON document) on the {@code calls} field, with
     * media ids (spec §4.6). Lock held.
     */
    private void queueMetaMedia(SimulatedNumber number, SimulatedCall call) {
        if (call.acceptedAt == null) {
            return;
        }
        queueMetaMedia(number, call, call.recording, "call_recording_available", "call_recording", "audio",
                "audio/ogg; codecs=opus");
        queueMetaMedia(number, call, call.transcription, "call_transcription_available", "call_transcript",
                "document", "application/json");
    }

    private void queueMetaMedia(SimulatedNumber number, SimulatedCall call, JsonNode asked, String event,
                                String container, String kind, String mimeType) {
        if (asked == null || !"ENABLED".equals(asked.path("status").asText())) {
            return;
        }
        ObjectNode envelope = envelope(number, "calls", contacts(call.userWaId));
        ObjectNode item = callItem(number, call, event);
        mediaObject(item.putObject(container).putObject(kind), mimeType);
        value(envelope).putArray("calls").add(item);
        queue(call, event, envelope);
    }

    private static void mediaObject(ObjectNode media, String mimeType) {
        String id = String.valueOf(1_000_000_000_000_000L + Math.floorMod(RANDOM.nextLong(), 1_000_000_000_000_000L));
        byte[] sha = new byte[32];
        RANDOM.nextBytes(sha);
        media.put("id", id);
        media.put("sha256", Base64.getEncoder().encodeToString(sha));
        media.put("mime_type", mimeType);
        media.put("url", "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=" + id);
    }

    private void queuePermissionReply(SimulatedNumber number, String user, String response, boolean permanent,
                                      Instant expiresAt, String source, String contextId) {
        ObjectNode envelope = envelope(number, "messages", contacts(user));
        ObjectNode message = value(envelope).putArray("messages").addObject();
        putUser(message, "from", "from_user_id", user);
        message.put("id", "wamid." + randomId(24));
        message.put("timestamp", String.valueOf(Instant.now().getEpochSecond()));
        if (contextId != null) {
            message.putObject("context").put("from", number.displayPhoneNumber).put("id", contextId);
        }
        message.put("type", "interactive");
        ObjectNode interactive = message.putObject("interactive");
        interactive.put("type", "call_permission_reply");
        ObjectNode reply = interactive.putObject("call_permission_reply");
        reply.put("response", response);
        if ("accept".equals(response)) {
            reply.put("is_permanent", permanent);
        }
        if (expiresAt != null) {
            reply.put("expiration_timestamp", String.valueOf(expiresAt.getEpochSecond()));
        }
        reply.put("response_source", source);
        WebhookDelivery.Record record = new WebhookDelivery.Record("permission_reply", envelope.toString());
        webhooks.send("perm:" + number.phoneNumberId + ":" + user, record);
    }

    /**
     * Queues a call's webhook in order. With the reorder switch, the connect webhook is held back until the
     * terminate webhook has been delivered (spec §8.4: terminate before connect).
     */
    private CompletableFuture<Void> queue(SimulatedCall call, String kind, ObjectNode envelope) {
        WebhookDelivery.Record record = new WebhookDelivery.Record(kind, envelope.toString());
        call.webhooks.add(record);
        if (webhooks.chaos.reorder() && call.direction == SimulatedCall.Direction.BUSINESS_INITIATED) {
            if ("connect".equals(kind)) {
                call.heldConnect = record;
                return CompletableFuture.completedFuture(null);
            }
            if ("terminate".equals(kind) && call.heldConnect != null) {
                WebhookDelivery.Record held = call.heldConnect;
                call.heldConnect = null;
                return webhooks.send(call.id, record).thenCompose(v -> webhooks.send(call.id, held));
            }
        }
        return webhooks.send(call.id, record);
    }

    // ---- reports --------------------------------------------------------------------------------------------

    public Map<String, Object> report(String callId) {
        for (SimulatedNumber number : numbers.values()) {
            synchronized (number) {
                SimulatedCall call = number.calls.get(callId);
                if (call != null) {
                    return report(call);
                }
            }
        }
        throw new java.util.NoSuchElementException("no call " + callId);
    }

    public List<Map<String, Object>> calls() {
        List<Map<String, Object>> all = new ArrayList<>();
        for (SimulatedNumber number : numbers.values()) {
            synchronized (number) {
                number.calls.values().forEach(c -> all.add(report(c)));
            }
        }
        return all;
    }

    private static Map<String, Object> report(SimulatedCall call) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("id", call.id);
        report.put("phoneNumberId", call.phoneNumberId);
        report.put("user", call.userWaId);
        report.put("direction", call.direction.name());
        report.put("state", call.state.name().toLowerCase());
        report.put("createdAt", call.createdAt.toString());
        report.put("ringingAt", call.ringingAt == null ? null : call.ringingAt.toString());
        report.put("acceptedAt", call.acceptedAt == null ? null : call.acceptedAt.toString());
        report.put("endedAt", call.endedAt == null ? null : call.endedAt.toString());
        report.put("endReason", call.endReason);
        report.put("errorCode", call.errorCode);
        report.put("bizOpaqueCallbackData", call.bizOpaqueCallbackData);
        report.put("offerSdp", call.offerSdp);
        report.put("answerSdp", call.answerSdp);
        report.put("preAccepted", call.preAcceptSdp != null);
        report.put("recording", call.recording);
        report.put("transcription", call.transcription);
        report.put("phone", call.phone == null ? Map.of() : call.phone.report());
        report.put("webhooks", call.webhooks.stream().map(WebhookDelivery.Record::report).toList());
        return report;
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.asText().isBlank() ? null : node.asText();
    }

    static String normaliseWaId(String waId) {
        return waId == null ? null : waId.startsWith("+") ? waId.substring(1) : waId;
    }

    /**
     * A call id in Meta's shape: {@code wacid.} + standard base64 of a binary id (spec §4.3), so with {@code +} and
     * {@code /} and, for two lengths in three, {@code =} or {@code ==} padding. Every id issued here has both
     * {@code +} and {@code /}, so every test exercises them.
     */
    static String newCallId() {
        byte[] id = new byte[40 + RANDOM.nextInt(3)]; // 40 bytes end "==", 41 "=", 42 unpadded
        String encoded;
        do {
            RANDOM.nextBytes(id);
            encoded = Base64.getEncoder().encodeToString(id);
        } while (encoded.indexOf('+') < 0 || encoded.indexOf('/') < 0);
        return "wacid." + encoded;
    }

    private static String randomId(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
