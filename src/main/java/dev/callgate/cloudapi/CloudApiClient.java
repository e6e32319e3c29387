package dev.callgate.cloudapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.arc.Unremovable;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Typed, non-blocking client of the Calling API (spec §1–§3): calls, call permissions, settings and permission-request
 * messages. Graph errors arrive as {@link CloudApiException}, transport failures as
 * {@link CloudApiUnreachableException}. Idempotent actions are retried on 5xx, 429 and connection errors with backoff
 * and jitter; {@code connect} and messages are retried only when the request certainly never left (connection
 * refused), because a duplicate would ring a person twice or send a message twice.
 */
@ApplicationScoped
@Unremovable // kept (and its configuration checked at start-up) before the orchestrator injects it
public class CloudApiClient {

    private static final Logger LOG = Logger.getLogger(CloudApiClient.class);

    private final GraphApi graph;
    private final CloudApiConfig config;
    private final ObjectMapper mapper;
    private final ConnectLimiter limiter;
    private final MeterRegistry registry;
    private final String authorization;

    public CloudApiClient(CloudApiConfig config, ObjectMapper mapper, ConnectLimiter limiter, MeterRegistry registry) {
        this.config = config;
        this.mapper = mapper;
        this.limiter = limiter;
        this.registry = registry;
        this.authorization = "Bearer " + config.accessToken();
        this.graph = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(config.baseUrl()))
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .register(GraphErrorMapper.class)
                .build(GraphApi.class);
    }

    // ---- calls ------------------------------------------------------------------------------------------------

    /**
     * Places a business-initiated call: checks the local initiation limit, then sends {@code connect} with the SDP
     * offer. Never retried once the request may have reached Meta.
     *
     * @return the WhatsApp call id
     */
    public Uni<String> connect(String phoneNumberId, String to, String sdpOffer, String bizOpaqueCallbackData) {
        return connect(phoneNumberId, to, null, sdpOffer, bizOpaqueCallbackData);
    }

    /**
     * As {@link #connect(String, String, String, String)}, naming the user by phone number ({@code to}), by BSUID
     * ({@code recipient}, for a user known only by it), or both (Meta then calls {@code to}).
     */
    public Uni<String> connect(String phoneNumberId, String to, String recipient, String sdpOffer,
                               String bizOpaqueCallbackData) {
        return connect(phoneNumberId, to, recipient, sdpOffer, bizOpaqueCallbackData, null, null);
    }

    /**
     * As {@link #connect(String, String, String, String, String)}, with Meta-native {@code recording} and
     * {@code transcription} objects (their JSON, or null).
     */
    public Uni<String> connect(String phoneNumberId, String to, String recipient, String sdpOffer,
                               String bizOpaqueCallbackData, String recording, String transcription) {
        ObjectNode body = callBody("connect");
        capture(body, "recording", recording);
        capture(body, "transcription", transcription);
        if (to != null) {
            body.put("to", to);
        }
        if (recipient != null) {
            body.put("recipient", recipient);
        }
        session(body, "offer", sdpOffer);
        if (bizOpaqueCallbackData != null) {
            body.put("biz_opaque_callback_data", bizOpaqueCallbackData);
        }
        return limiter.reserve(phoneNumberId)
                .chain(() -> send("connect", Retry.ONLY_IF_NOT_SENT,
                        () -> graph.calls(config.version(), phoneNumberId, authorization, body)))
                .map(response -> {
                    String callId = response.path("calls").path(0).path("id").asText(null);
                    if (callId == null) {
                        throw new CloudApiException("connect", 200, 0, null, null,
                                "connect answered without calls[0].id", null, response.toString());
                    }
                    LOG.infof("call %s: connect sent from %s to %s", callId, phoneNumberId,
                            dev.callgate.runtime.CallLog.user(to != null ? to : recipient));
                    return callId;
                });
    }

    /** Sends the SDP answer of a user-initiated call early, so ICE and DTLS can start before the accept. */
    public Uni<Void> preAccept(String phoneNumberId, String callId, String sdpAnswer) {
        return preAccept(phoneNumberId, callId, sdpAnswer, false);
    }

    /**
     * As {@link #preAccept(String, String, String)}; {@code retry}: an earlier attempt (by a previous run of the
     * effect) may have reached Meta, so "already pre-accepted" is success.
     */
    public Uni<Void> preAccept(String phoneNumberId, String callId, String sdpAnswer, boolean retry) {
        ObjectNode body = callBody("pre_accept", callId);
        session(body, "answer", sdpAnswer);
        return callAction("pre_accept", phoneNumberId, callId, body, retry).replaceWithVoid();
    }

    /** Accepts a user-initiated call with the SDP answer (the same SDP as any pre_accept). */
    public Uni<Void> accept(String phoneNumberId, String callId, String sdpAnswer, String bizOpaqueCallbackData) {
        return accept(phoneNumberId, callId, sdpAnswer, bizOpaqueCallbackData, null, null);
    }

    /** As {@link #accept(String, String, String, String)}, with Meta-native recording / transcription (or null). */
    public Uni<Void> accept(String phoneNumberId, String callId, String sdpAnswer, String bizOpaqueCallbackData,
                            String recording, String transcription) {
        return accept(phoneNumberId, callId, sdpAnswer, bizOpaqueCallbackData, recording, transcription, false);
    }

    /** As the accept above; {@code retry}: an earlier attempt may have reached Meta ("already accepted" is success). */
    public Uni<Void> accept(String phoneNumberId, String callId, String sdpAnswer, String bizOpaqueCallbackData,
                            String recording, String transcription, boolean retry) {
        ObjectNode body = callBody("accept", callId);
        capture(body, "recording", recording);
        capture(body, "transcription", transcription);
        session(body, "answer", sdpAnswer);
        if (bizOpaqueCallbackData != null) {
            body.put("biz_opaque_callback_data", bizOpaqueCallbackData);
        }
        return callAction("accept", phoneNumberId, callId, body, retry).replaceWithVoid();
    }

    /** Declines a user's call; true when Meta answered that it had been rejected (or had ended) already. */
    public Uni<Boolean> reject(String phoneNumberId, String callId) {
        return reject(phoneNumberId, callId, false);
    }

    /** As {@link #reject(String, String)}; {@code retry}: an earlier attempt may have reached Meta. */
    public Uni<Boolean> reject(String phoneNumberId, String callId, boolean retry) {
        return callAction("reject", phoneNumberId, callId, callBody("reject", callId), retry);
    }

    /**
     * Hangs up a call in either direction (also needed after an RTCP BYE, for billing); true when Meta answered that
     * the call had already ended.
     */
    public Uni<Boolean> terminate(String phoneNumberId, String callId) {
        return terminate(phoneNumberId, callId, false);
    }

    /** As {@link #terminate(String, String)}; {@code retry}: an earlier attempt may have reached Meta. */
    public Uni<Boolean> terminate(String phoneNumberId, String callId, boolean retry) {
        return callAction("terminate", phoneNumberId, callId, callBody("terminate", callId), retry);
    }

    /** Sends a call action; true when Meta answered that it had been done already ({@link #alreadyDone}). */
    private Uni<Boolean> callAction(String action, String phoneNumberId, String callId, ObjectNode body,
                                    boolean earlierMayHaveLanded) {
        java.util.concurrent.atomic.AtomicBoolean mayHaveLanded =
                new java.util.concurrent.atomic.AtomicBoolean(earlierMayHaveLanded);
        Supplier<Uni<JsonNode>> request = () -> graph.calls(config.version(), phoneNumberId, authorization, body)
                .onFailure().transform(failure -> typed(action, failure))
                .onFailure().recoverWithUni(failure -> {
                    if (alreadyDone(action, failure, mayHaveLanded.get())) {
                        LOG.infof("call %s: %s was already done at Meta (%s): taken as success", callId, action,
                                failure.getMessage());
                        registry.counter("callgate.cloudapi.already.done", "action", action).increment();
                        return Uni.createFrom().item(ALREADY_DONE);
                    }
                    if (mayHaveLanded(failure)) {
                        mayHaveLanded.set(true); // a retry may find the action done
                    }
                    return Uni.createFrom().failure(failure);
                });
        return send(action, Retry.TRANSIENT, request)
                .map(response -> {
                    if (!Lenient.bool(response.get("success"))) {
                        throw new CloudApiException(action, 200, 0, null, null, action + " did not report success",
                                null, response.toString());
                    }
                    LOG.infof("call %s: %s done", callId, action);
                    return response.path("already_done").asBoolean(false);
                });
    }

    /** What a call action returns when Meta said it had been done already: success, as the caller asked for. */
    private static final JsonNode ALREADY_DONE = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
            .objectNode().put("success", true).put("already_done", true);

    /**
     * Whether a Graph error answers a call action that Meta had in fact already carried out: a retry of
     * pre_accept, accept, reject or terminate whose earlier attempt may have reached Meta (a timeout, a 5xx) and that
     * Meta answers "already pre-accepted / accepted / rejected / ended". For terminate the goal — the call is over at
     * Meta — is reached whenever Meta says the call already ended, retry or not.
     */
    static boolean alreadyDone(String action, Throwable failure, boolean earlierAttemptMayHaveLanded) {
        if (!(failure instanceof CloudApiException graph) || graph.transientFailure()) {
            return false;
        }
        String text = (graph.graphMessage() + " " + graph.details().orElse("")).toLowerCase(java.util.Locale.ROOT);
        if (!text.contains("already")) {
            return false;
        }
        return switch (action) {
            case "terminate" -> earlierAttemptMayHaveLanded || text.contains("ended") || text.contains("terminated")
                    || text.contains("hung up");
            case "pre_accept" -> earlierAttemptMayHaveLanded
                    && (text.contains("pre-accepted") || text.contains("pre_accepted") || text.contains("accepted"));
            case "accept" -> earlierAttemptMayHaveLanded && text.contains("accepted") && !text.contains("ended");
            case "reject" -> earlierAttemptMayHaveLanded
                    && (text.contains("rejected") || text.contains("declined") || text.contains("ended"));
            default -> false;
        };
    }

    private static boolean mayHaveLanded(Throwable failure) {
        if (failure instanceof CloudApiUnreachableException unreachable) {
            return unreachable.mayHaveReachedMeta();
        }
        return failure instanceof CloudApiException graph && graph.transientFailure() && graph.httpStatus() >= 500;
    }

    private void capture(ObjectNode body, String field, String json) {
        if (json == null) {
            return;
        }
        try {
            body.set(field, mapper.readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(field + " is not JSON", e);
        }
    }

    private ObjectNode callBody(String action) {
        ObjectNode body = mapper.createObjectNode();
        body.put("messaging_product", "whatsapp");
        body.put("action", action);
        return body;
    }

    private ObjectNode callBody(String action, String callId) {
        ObjectNode body = callBody(action);
        body.put("call_id", callId);
        return body;
    }

    private static void session(ObjectNode body, String sdpType, String sdp) {
        ObjectNode session = body.putObject("session");
        session.put("sdp_type", sdpType);
        session.put("sdp", sdp);
    }

    // ---- permissions ------------------------------------------------------------------------------------------

    /** The user's call permission and the actions the business may take now. */
    public Uni<CallPermission> callPermission(String phoneNumberId, String user) {
        boolean bsuid = WhatsAppUserId.isBsuid(user); // ?recipient= for a BSUID, ?user_wa_id= for a phone number
        return send("call_permissions", Retry.TRANSIENT,
                () -> graph.callPermissions(config.version(), phoneNumberId, authorization,
                        bsuid ? null : user, bsuid ? user : null))
                .map(CloudApiClient::parsePermission);
    }

    static CallPermission parsePermission(JsonNode response) {
        JsonNode permission = response.path("permission");
        List<CallPermission.Action> actions = new ArrayList<>();
        for (JsonNode action : response.path("actions")) {
            List<CallPermission.Limit> limits = new ArrayList<>();
            for (JsonNode limit : action.path("limits")) {
                limits.add(new CallPermission.Limit(limit.path("time_period").asText(null),
                        Lenient.integer(limit.get("max_allowed"), 0), Lenient.integer(limit.get("current_usage"), 0),
                        Lenient.epochSeconds(limit.get("limit_expiration_time"))));
            }
            actions.add(new CallPermission.Action(action.path("action_name").asText(),
                    Lenient.bool(action.get("can_perform_action")), List.copyOf(limits)));
        }
        return new CallPermission(CallPermission.Status.parse(permission.path("status").asText(null)),
                Lenient.epochSeconds(Lenient.first(permission, "expiration_time", "expiration")),
                List.copyOf(actions));
    }

    // ---- settings ---------------------------------------------------------------------------------------------

    /** The number's {@code calling} settings object (spec §3), as Meta returns it. */
    public Uni<JsonNode> callingSettings(String phoneNumberId) {
        return send("get_settings", Retry.TRANSIENT,
                () -> graph.settings(config.version(), phoneNumberId, authorization))
                .map(response -> response.path("calling"));
    }

    /** Updates the {@code calling} settings (a partial update; a {@code call_hours} block replaces the old one). */
    public Uni<Void> updateCallingSettings(String phoneNumberId, JsonNode calling) {
        ObjectNode body = mapper.createObjectNode();
        body.set("calling", calling);
        return send("update_settings", Retry.TRANSIENT,
                () -> graph.updateSettings(config.version(), phoneNumberId, authorization, body))
                .map(response -> {
                    if (!Lenient.bool(response.get("success"))) {
                        throw new CloudApiException("update_settings", 200, 0, null, null,
                                "settings update did not report success", null, response.toString());
                    }
                    return null;
                });
    }

    // ---- messages ---------------------------------------------------------------------------------------------

    /** Sends a free-form call permission request (inside the customer-service window); {@code bodyText} optional. */
    public Uni<SentMessage> sendPermissionRequest(String phoneNumberId, String to, String bodyText) {
        ObjectNode interactive = mapper.createObjectNode();
        interactive.put("type", "call_permission_request");
        interactive.putObject("action").put("name", "call_permission_request");
        if (bodyText != null && !bodyText.isBlank()) {
            interactive.putObject("body").put("text", bodyText);
        }
        return sendInteractive(phoneNumberId, to, interactive);
    }

    /** Sends any interactive message (e.g. a voice_call button). */
    public Uni<SentMessage> sendInteractive(String phoneNumberId, String to, JsonNode interactive) {
        ObjectNode body = messageBody(to, "interactive");
        body.set("interactive", interactive);
        return sendMessage(phoneNumberId, body);
    }

    /** Sends a template message, e.g. one with a call_permission_request component. */
    public Uni<SentMessage> sendTemplate(String phoneNumberId, String to, String name, String language,
                                         JsonNode components) {
        ObjectNode body = messageBody(to, "template");
        ObjectNode template = body.putObject("template");
        template.put("name", name);
        template.putObject("language").put("code", language);
        if (components != null) {
            template.set("components", components);
        }
        return sendMessage(phoneNumberId, body);
    }

    private ObjectNode messageBody(String to, String type) {
        ObjectNode body = mapper.createObjectNode();
        body.put("messaging_product", "whatsapp");
        body.put("recipient_type", "individual");
        body.put(WhatsAppUserId.isBsuid(to) ? "recipient" : "to", to); // a BSUID goes in recipient
        body.put("type", type);
        return body;
    }

    private Uni<SentMessage> sendMessage(String phoneNumberId, ObjectNode body) {
        return send("messages", Retry.ONLY_IF_NOT_SENT,
                () -> graph.messages(config.version(), phoneNumberId, authorization, body))
                .map(response -> new SentMessage(response.path("messages").path(0).path("id").asText(null),
                        response.path("contacts").path(0).path("wa_id").asText(null)));
    }

    // ---- the common path: errors, retries, metrics --------------------------------------------------------------

    private enum Retry {
        /** 5xx, 429 and connection failures: the action is idempotent. */
        TRANSIENT,
        /** Only when the request certainly did not leave (connection refused, unknown host). */
        ONLY_IF_NOT_SENT
    }

    private Uni<JsonNode> send(String action, Retry retry, Supplier<Uni<JsonNode>> request) {
        Timer latency = Timer.builder("callgate.cloudapi.latency").tag("action", action)
                .description("Graph API request latency, per attempt").publishPercentileHistogram()
                .register(registry);
        Uni<JsonNode> attempt = Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            return request.get()
                    .onFailure().transform(failure -> typed(action, failure))
                    .onItemOrFailure().invoke((item, failure) -> {
                        latency.record(Duration.ofNanos(System.nanoTime() - start));
                        count(action, failure);
                    });
        });
        CloudApiConfig.Retry policy = config.retry();
        return attempt
                .onFailure(failure -> retryable(retry, failure))
                .invoke(failure -> LOG.warnf("%s will be retried: %s", action, failure.getMessage()))
                .onFailure(failure -> retryable(retry, failure))
                .retry().withBackOff(policy.initialBackoff(), policy.maxBackoff()).withJitter(policy.jitter())
                .atMost(policy.maxRetries());
    }

    private static boolean retryable(Retry retry, Throwable failure) {
        if (failure instanceof CloudApiUnreachableException unreachable) {
            return retry == Retry.TRANSIENT || !unreachable.mayHaveReachedMeta();
        }
        return retry == Retry.TRANSIENT && failure instanceof CloudApiException graph && graph.transientFailure();
    }

    private void count(String action, Throwable failure) {
        String outcome;
        String code;
        if (failure == null) {
            outcome = "success";
            code = "none";
        } else if (failure instanceof CloudApiException graph) {
            outcome = "graph_error";
            code = String.valueOf(graph.code());
        } else {
            outcome = "unreachable";
            code = "none";
        }
        registry.counter("callgate.cloudapi.requests", "action", action, "outcome", outcome, "code", code)
                .increment();
    }

    private RuntimeException typed(String action, Throwable failure) {
        GraphErrorResponse error = find(failure, GraphErrorResponse.class);
        if (error != null) {
            return GraphErrorEnvelope.read(mapper, action, error.status(), error.body());
        }
        if (failure instanceof CloudApiException || failure instanceof CloudApiUnreachableException) {
            return (RuntimeException) failure;
        }
        boolean notSent = find(failure, ConnectException.class) != null
                || find(failure, UnknownHostException.class) != null
                || find(failure, io.netty.channel.ConnectTimeoutException.class) != null;
        return new CloudApiUnreachableException(action, !notSent, failure);
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
