package dev.callgate.call.flow;

import dev.callgate.call.BizOpaqueData;
import dev.callgate.call.CallConfig;
import dev.callgate.call.CallDirection;
import dev.callgate.call.CallEffect;
import dev.callgate.call.CallOutcome;
import dev.callgate.call.CallSignal;
import dev.callgate.call.CallState;
import dev.callgate.call.CallStateMachine;
import dev.callgate.call.CallTimer;
import dev.callgate.call.InitiateCall;
import dev.callgate.call.MetaMedia;
import dev.callgate.call.WebhookSignals;
import dev.callgate.call.store.Call;
import dev.callgate.call.store.CallEvent;
import dev.callgate.call.store.CallTimers;
import dev.callgate.cluster.Instance;
import dev.callgate.cluster.MediaPlacement;
import dev.callgate.contract.CallEventType;
import dev.callgate.outbox.OutboxRelay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.call.CallEffect.CancelTimer;
import dev.callgate.call.CallEffect.Publish;
import dev.callgate.call.CallEffect.StartTimer;
import dev.callgate.call.CallStateMachine.Transition;
import dev.callgate.contract.WebhookRecord;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.permission.Permissions;
import dev.callgate.tracing.CallTracing;
import dev.callgate.tracing.TraceParent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.OptimisticLockException;
import org.hibernate.StaleStateException;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Drives calls: every signal becomes one PostgreSQL transaction that loads the call, runs
 * {@link CallStateMachine#next}, stores the new state under the optimistic version, and writes the outbox rows and
 * timers the transition asked for (with the command or webhook dedup record, when there is one). Only after the commit
 * are the other effects (Cloud API, media) run, by {@link CallEffects}; their results come back as signals.
 */
@ApplicationScoped
public class CallOrchestrator implements CallSignals {

    private static final Logger LOG = Logger.getLogger(CallOrchestrator.class);

    private final CallEventOutbox outbox;
    private final CallTimers timers;
    private final OutboxRelay relay;
    private final CallEffects effects;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final MediaWorkerPool media;
    private final Instance instance;
    private final IncomingCalls incomingCalls;
    private final CallConfig config;
    private final Permissions permissions;
    private final MediaCommands mediaCommands;
    private final CloudApiEffects cloudApiEffects;
    private final MediaPlacement placement;
    private final CallTracing tracing;
    private final io.micrometer.core.instrument.Timer webhookQueued;
    private final io.micrometer.core.instrument.Timer setup;

    public CallOrchestrator(CallEventOutbox outbox, CallTimers timers, OutboxRelay relay, CallEffects effects,
                            ObjectMapper mapper, MeterRegistry registry, MediaWorkerPool media, Instance instance,
                            IncomingCalls incomingCalls, CallConfig config, Permissions permissions,
                            MediaCommands mediaCommands, CloudApiEffects cloudApiEffects,
                            MediaPlacement placement, CallTracing tracing) {
        this.tracing = tracing;
        this.placement = placement;
        this.cloudApiEffects = cloudApiEffects;
        this.mediaCommands = mediaCommands;
        this.permissions = permissions;
        this.incomingCalls = incomingCalls;
        this.config = config;
        this.media = media;
        this.instance = instance;
        this.outbox = outbox;
        this.timers = timers;
        this.relay = relay;
        this.effects = effects;
        this.mapper = mapper;
        this.registry = registry;
        this.webhookQueued = io.micrometer.core.instrument.Timer.builder("callgate.webhook.queued")
                .description("From a call webhook reaching the ingress to its consumer starting on it")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.setup = io.micrometer.core.instrument.Timer.builder("callgate.call.setup")
                .description("From the command (or the incoming call) to media connected")
                .publishPercentileHistogram().publishPercentiles(0.5, 0.99).register(registry);
        // registered at 0: the first unconfirmed end (or late confirmation) after a start is an increase() for
        // Prometheus too
        registry.counter("callgate.calls.terminate.unconfirmed");
        registry.counter("callgate.calls.terminate.confirmed.late");
        // a configured incoming stream that is not valid stops the start, naming the problem
        incomingCalls.checkStreams();
    }

    /** The committed outcome of one step: what to run next, and webhooks released from the parking lot. */
    record Step(CallContext call, List<CallEffect> effects, List<CloudApiEffects.Recorded> cloudApi,
                List<Long> released) {
        static final Step NONE = new Step(null, List.of(), List.of(), List.<Long>of());

        /** This step followed by {@code next} in the same transaction. */
        Step then(Step next) {
            List<CallEffect> all = new ArrayList<>(effects);
            all.addAll(next.effects);
            List<CloudApiEffects.Recorded> actions = new ArrayList<>(cloudApi);
            actions.addAll(next.cloudApi);
            List<Long> parked = new ArrayList<>(released);
            parked.addAll(next.released);
            return new Step(next.call != null ? next.call : call, all, actions, parked);
        }
    }

    // ---- entry points --------------------------------------------------------------------------------------------

    /** A new business-initiated call (command or REST). Duplicate command ids and used callRefs are refused. */
    public Uni<Void> initiate(InitiateCall command) {
        return run(() -> remember(command.commandId(), command.callRef(), "call.initiate").chain(fresh -> {
            if (!fresh) {
                LOG.infof("call %s: command %s already handled", command.callRef(), command.commandId());
                return Uni.createFrom().item(Step.NONE);
            }
            return Call.findByRef(command.callRef()).chain(existing -> {
                if (existing != null) {
                    return outbox.refused(command.callRef(), command.commandId(), "callRef already used",
                            Instant.now()).replaceWith(Step.NONE);
                }
                Call call = newCall(command);
                // the command's trace (its Kafka record's, or the REST request's) becomes the call's
                call.traceParent = tracing.current();
                if (command.record()) {
                    call.recordingPath = media.recordingPath(command.callRef()).toString();
                }
                return Panache.getSession().chain(s -> s.persist(call).chain(s::flush))
                        .chain(() -> permissions.knownDenied(call.phoneNumberId, call.user()))
                        .chain(denied -> transition(call, denied ? new CallSignal.NoPermissionKnown()
                                : new CallSignal.Initiate()));
            });
        }));
    }

    /** Hang up the call with this reference (command or REST). */
    public Uni<Void> hangUp(String commandId, String callRef) {
        return run(() -> remember(commandId, callRef, "call.terminate").chain(fresh -> !fresh
                ? Uni.createFrom().item(Step.NONE)
                : Call.findByRef(callRef).chain(call -> call == null
                ? outbox.refused(callRef, commandId, "no call with this callRef", Instant.now()).replaceWith(Step.NONE)
                : transition(call, new CallSignal.HangUp()))));
    }

    /**
     * Accept a user-initiated call (command or REST), optionally with other media than configured. A call that
     * already ended, or is not user-initiated, gets a {@code refused} event; a repeated accept is a no-op.
     */
    public Uni<Void> accept(String commandId, String callRef, Double toneHz, String prompt) {
        return accept(commandId, callRef, toneHz, prompt, null, null, null);
    }

    /**
     * As {@link #accept(String, String, Double, String)}, with Meta-native recording / transcription (or null) and an
     * audio stream to an application ({@code stream}: canonical JSON, or null for the number's default).
     */
    public Uni<Void> accept(String commandId, String callRef, Double toneHz, String prompt,
                            com.fasterxml.jackson.databind.JsonNode recording,
                            com.fasterxml.jackson.databind.JsonNode transcription, String stream) {
        return answer(commandId, callRef, "call.accept", call -> {
            if (toneHz != null || prompt != null || stream != null) {
                call.mediaToneHz = toneHz;
                call.mediaPrompt = prompt;
                call.mediaStream = stream;
            }
            if (recording != null) {
                call.metaRecording = recording.toString();
            }
            if (transcription != null) {
                call.metaTranscription = transcription.toString();
            }
            return new CallSignal.Accept();
        });
    }

    /**
     * Streams a call's audio to an application from now on ({@code call.stream.start}): on an active call at once
     * (replacing its tone, prompt or stream), on a call not yet picked up from the
     * pick-up. A stream already running is replaced (it ends with reason {@code replaced}). A call that ended or is
     * ending gets a {@code refused} event.
     */
    public Uni<Void> startStream(String commandId, String callRef, String stream) {
        return run(() -> remember(commandId, callRef, "call.stream.start").chain(fresh -> !fresh
                ? Uni.createFrom().item(Step.NONE)
                : Call.findByRef(callRef).chain(call -> {
                    String refusal = call == null ? "no call with this callRef"
                            : !call.state.live() || call.state == CallState.TERMINATING ? "the call has ended"
                            : null;
                    if (refusal != null) {
                        return outbox.refused(callRef, commandId, "call.stream.start: " + refusal, Instant.now())
                                .replaceWith(Step.NONE);
                    }
                    call.mediaStream = stream;
                    call.mediaToneHz = null;
                    call.mediaPrompt = null;
                    LOG.infof("call %s (%s): stream requested (%s)", call.callRef, call.whatsappCallId,
                            call.state == CallState.ACTIVE ? "now" : "from the pick-up");
                    return call.state == CallState.ACTIVE ? mediaStep(call, new CallEffect.StartStream())
                            : Panache.getSession().chain(s -> s.flush()).replaceWith(Step.NONE);
                })));
    }

    /**
     * Ends a call's stream ({@code call.stream.stop}); the call goes on, silent. A call without a stream, or ended,
     * gets a {@code refused} event.
     */
    public Uni<Void> stopStream(String commandId, String callRef) {
        return run(() -> remember(commandId, callRef, "call.stream.stop").chain(fresh -> !fresh
                ? Uni.createFrom().item(Step.NONE)
                : Call.findByRef(callRef).chain(call -> {
                    String refusal = call == null ? "no call with this callRef"
                            : !call.state.live() || call.state == CallState.TERMINATING ? "the call has ended"
                            : call.mediaStream == null ? "the call has no stream" : null;
                    if (refusal != null) {
                        return outbox.refused(callRef, commandId, "call.stream.stop: " + refusal, Instant.now())
                                .replaceWith(Step.NONE);
                    }
                    call.mediaStream = null;
                    LOG.infof("call %s (%s): stream stop requested", call.callRef, call.whatsappCallId);
                    if (call.state != CallState.ACTIVE) {
                        call.mediaToneHz = 0.0; // picked up later: silence, not the default tone
                        return Panache.getSession().chain(s -> s.flush()).replaceWith(Step.NONE);
                    }
                    return mediaStep(call, new CallEffect.StopStream());
                })));
    }

    /** A media effect decided outside the state machine: run here after the commit, or routed to the media owner. */
    private Uni<Step> mediaStep(Call call, CallEffect effect) {
        return Panache.getSession().chain(s -> s.flush()).chain(() -> mediaCommands.elsewhere(call)
                ? mediaCommands.route(call, effect).replaceWith(Step.NONE)
                : Uni.createFrom().item(new Step(CallContext.of(call, Instant.now()), List.of(effect), List.of(),
                List.of())));
    }

    /** Decline a user-initiated call (command or REST); as {@link #accept}. */
    public Uni<Void> reject(String commandId, String callRef) {
        return answer(commandId, callRef, "call.reject", call -> new CallSignal.Reject());
    }

    private Uni<Void> answer(String commandId, String callRef, String type,
                             java.util.function.Function<Call, CallSignal> signal) {
        return run(() -> remember(commandId, callRef, type).chain(fresh -> !fresh
                ? Uni.createFrom().item(Step.NONE)
                : Call.findByRef(callRef).chain(call -> {
                    String refusal = call == null ? "no call with this callRef" : call.whyNotAnswerable();
                    if (refusal != null) {
                        LOG.infof("call %s: %s refused: %s", callRef, type, refusal);
                        return outbox.refused(callRef, commandId, type + ": " + refusal, Instant.now())
                                .replaceWith(Step.NONE);
                    }
                    return transition(call, signal.apply(call));
                })));
    }

    /** Publishes that a command for this callRef was refused (it goes to the DLQ as well). */
    public Uni<Void> refuse(String callRef, String commandId, String reason) {
        return run(() -> outbox.refused(callRef, commandId, reason, Instant.now()).replaceWith(Step.NONE));
    }

    /** A signal for a known call (media reports, Cloud API answers). */
    @Override
    public Uni<Void> signal(UUID callId, CallSignal signal) {
        return run(() -> Call.<Call>findById(callId).chain(call -> call == null
                ? Uni.createFrom().item(Step.NONE) : transition(call, signal)));
    }

    @Override
    public Uni<Void> event(UUID callId, dev.callgate.contract.CallEventType type,
                           com.fasterxml.jackson.databind.node.ObjectNode extra) {
        return run(() -> Call.<Call>findById(callId).chain(call -> call == null ? Uni.createFrom().item(Step.NONE)
                : outbox.add(call, type, Instant.now(), extra).replaceWith(Step.NONE)));
    }

    /**
     * The result of a Cloud API effect ({@link CloudApiEffects}): its row marked done and its signal (or none) applied,
     * in one transaction — the effect is confirmed exactly when its result is stored.
     */
    @Override
    public Uni<Void> effectDone(UUID callId, long effectId, CallSignal signal, String result) {
        return run(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                        "update call_effects set done_at = now(), result = ?2 where id = ?1 and done_at is null")
                .setParameter(1, effectId).setParameter(2, result).executeUpdate())
                // the signal counts even when another run of the effect finished first (its "outcome unknown" must
                // not hide a connect's real answer); the state machine makes a repeat a no-op
                .chain(updated -> signal == null ? Uni.createFrom().item(Step.NONE)
                        : Call.<Call>findById(callId).chain(call -> call == null
                        ? Uni.createFrom().item(Step.NONE) : transition(call, signal))));
    }

    /** A due timer; only the instance that claims its row acts on it. */
    public Uni<Void> fireTimer(UUID callId, CallTimer timer) {
        return run(() -> timers.claim(callId, timer).chain(claimed -> !claimed
                ? Uni.createFrom().item(Step.NONE)
                : Call.<Call>findById(callId).chain(call -> call == null
                ? Uni.createFrom().item(Step.NONE) : transition(call, new CallSignal.TimerFired(timer)))));
    }

    /**
     * A record of {@code callgate.webhooks}: stored once (dedup id) and, when it is news, applied to its call in the
     * same transaction — or parked until its call id is recorded.
     *
     * @return true if the record was new
     */
    public Uni<Boolean> onWebhook(WebhookRecord record, String json) {
        if (record.receivedAt() != null && record.kind() == WebhookRecord.Kind.CALL) {
            webhookQueued.record(java.time.Duration.between(record.receivedAt(), Instant.now()));
        }
        boolean[] fresh = new boolean[1];
        return run(() -> lockCallId(record.callId())
                .chain(() -> CallEvent.insertIfAbsent(record, json))
                .chain(inserted -> {
                    fresh[0] = inserted;
                    return inserted ? apply(record, json) : Uni.createFrom().item(Step.NONE);
                })).map(v -> fresh[0]);
    }

    // ---- the transaction -----------------------------------------------------------------------------------------

    private Uni<Step> apply(WebhookRecord record, String json) {
        if (record.kind() == WebhookRecord.Kind.PERMISSION_REPLY) {
            return permissions.onReply(record).replaceWith(Step.NONE);
        }
        if (record.kind() == WebhookRecord.Kind.MESSAGE_STATUS) {
            return permissions.onMessageStatus(record).replaceWith(Step.NONE);
        }
        if (record.callId() == null) {
            return Uni.createFrom().item(Step.NONE);
        }
        var delivered = MetaMedia.of(record);
        if (delivered.isPresent()) {
            return Call.findByWhatsappId(record.callId()).chain(call -> call == null ? park(record, json)
                    : metaMediaAvailable(call, delivered.get()));
        }
        var signal = WebhookSignals.of(record);
        if (signal.isEmpty()) {
            WebhookSignals.unusable(record).ifPresent(why -> {
                LOG.warnf("call %s: %s webhook not applied: %s", record.callId(), record.event(), why);
                registry.counter("callgate.call.webhooks.unusable", "event", String.valueOf(record.event()))
                        .increment();
            });
            return Uni.createFrom().item(Step.NONE);
        }
        return Call.findByWhatsappId(record.callId()).chain(call -> {
            if (call != null) {
                learnUser(call, record);
                if (signal.get() instanceof CallSignal.Terminated terminated) {
                    boolean late = call.state == CallState.ENDED && call.metaStatus == null;
                    call.recordMetaTerminate(terminated); // kept even when the call had already ended
                    if (late) {
                        return reconciled(call, terminated);
                    }
                }
                return transition(call, signal.get(), record.receivedAt());
            }
            if (signal.get() instanceof CallSignal.OfferReceived offer) {
                return incoming(record, offer.sdp());
            }
            var correlated = BizOpaqueData.callOf(record.item().path("biz_opaque_callback_data").asText(null));
            if (correlated.isPresent()) {
                return Call.<Call>findById(correlated.get()).chain(ours -> ours == null || ours.whatsappCallId != null
                        ? park(record, json) : recovered(ours, record, signal.get()));
            }
            return park(record, json);
        });
    }

    /**
     * A webhook names, by Callgate's correlation in {@code biz_opaque_callback_data}, a call whose connect never told
     * us its call id (the HTTP answer was lost): the id is recorded now (webhooks parked for it are released) and the
     * webhook applied. A call that already ended meanwhile is terminated at Meta: it was ringing there.
     */
    private Uni<Step> recovered(Call call, WebhookRecord record, CallSignal signal) {
        LOG.infof("call %s: its connect's answer was lost; call id %s recovered from biz_opaque_callback_data",
                call.callRef, record.callId());
        registry.counter("callgate.call.connect.recovered").increment();
        if (call.state == CallState.ENDED) {
            call.whatsappCallId = record.callId();
            if (signal instanceof CallSignal.Terminated) {
                return Panache.getSession().chain(s -> s.flush()).replaceWith(Step.NONE); // over at Meta as well
            }
            call.metaEndRequested = true;
            return Panache.getSession().chain(s -> s.flush())
                    .chain(() -> cloudApiEffects.record(call.id, new CallEffect.SendTerminate()))
                    .map(recorded -> new Step(CallContext.of(call, record.receivedAt()), List.of(),
                            List.of(recorded), List.of()));
        }
        return transition(call, new CallSignal.ConnectSent(record.callId()), record.receivedAt())
                .chain(first -> transition(call, signal, record.receivedAt()).map(first::then));
    }

    /**
     * Completes what we know of the user from a webhook of their call: Meta names them by phone number and by BSUID
     * ({@code contacts[]}, {@code to_user_id}, {@code recipient_user_id}, …), and events carry both once known.
     */
    private static void learnUser(Call call, WebhookRecord record) {
        JsonNode item = record.item();
        JsonNode contact = record.firstContact();
        boolean business = call.direction == CallDirection.BUSINESS_INITIATED;
        if (call.userId == null) {
            call.userId = WebhookRecord.firstText(contact.get("user_id"),
                    item.get(business ? "to_user_id" : "from_user_id"), item.get("recipient_user_id"));
        }
        if (call.userWaId == null) {
            call.userWaId = WebhookRecord.firstText(contact.get("wa_id"),
                    business ? item.get("recipient_id") : item.get("from"));
        }
    }

    /**
     * Meta's terminate came after the call had ended on Callgate's side: its word (status, billed duration) is kept on
     * the call and published as {@code reconciled} beside Callgate's outcome, which stays as it was published.
     * {@code metaOutcome}: FAILED when Meta said so, COMPLETED when Meta gives a duration (the call was connected).
     */
    private Uni<Step> reconciled(Call call, CallSignal.Terminated terminated) {
        String metaOutcome = terminated.failed() ? CallOutcome.FAILED.name()
                : terminated.durationSeconds() != null ? CallOutcome.COMPLETED.name() : null;
        boolean agrees = metaOutcome == null || metaOutcome.equals(call.outcome.name());
        LOG.infof("call %s (%s): Meta's terminate came after the call ended %s: Meta says %s, %s s%s",
                call.callRef, call.whatsappCallId, call.outcome, call.metaStatus, call.metaDurationSeconds,
                agrees ? "" : " — Callgate's outcome differs");
        registry.counter("callgate.calls.reconciled", "agrees", String.valueOf(agrees)).increment();
        com.fasterxml.jackson.databind.node.ObjectNode extra = mapper.createObjectNode();
        if (metaOutcome != null) {
            extra.put("metaOutcome", metaOutcome);
        }
        extra.put("outcomeAgrees", agrees);
        return Panache.getSession().chain(s -> s.flush())
                .chain(() -> outbox.add(call, CallEventType.RECONCILED, Instant.now(), extra)).replaceWith(Step.NONE);
    }

    /** Meta's recording or transcript of a call is ready: kept on the call and published with its media id. */
    private Uni<Step> metaMediaAvailable(Call call, MetaMedia media) {
        LOG.infof("call %s (%s): Meta's %s is available: media %s", call.callRef, call.whatsappCallId, media.kind(),
                media.mediaId());
        CallEventType type;
        String field;
        if (media.kind() == MetaMedia.Kind.RECORDING) {
            call.metaRecordingMediaId = media.mediaId();
            type = CallEventType.RECORDING_AVAILABLE;
            field = "metaRecording";
        } else {
            call.metaTranscriptionMediaId = media.mediaId();
            type = CallEventType.TRANSCRIPTION_AVAILABLE;
            field = "metaTranscript";
        }
        com.fasterxml.jackson.databind.node.ObjectNode extra = mapper.createObjectNode();
        extra.set(field, media.asEventData(mapper));
        return Panache.getSession().chain(s -> s.flush())
                .chain(() -> outbox.add(call, type, Instant.now(), extra)).replaceWith(Step.NONE);
    }

    /**
     * Keeps a webhook for a call id not (yet) recorded: the connect's answer may still come. One that never finds its
     * call (another app's call on the same WABA, a stale delivery) expires ({@link ParkedWebhookExpiry}).
     */
    private Uni<Step> park(WebhookRecord record, String json) {
        LOG.infof("call %s: %s %s parked until the call id is known", record.callId(), record.kind(),
                record.event());
        registry.counter("callgate.call.webhooks.parked").increment();
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "insert into parked_webhooks (whatsapp_call_id, payload) values (?1, cast(cast(?2 as text) as jsonb))")
                .setParameter(1, record.callId()).setParameter(2, json).executeUpdate())
                .replaceWith(Step.NONE);
    }

    /**
     * A user-initiated call arrives: recorded as INCOMING (its callRef is its WhatsApp call id), answered in silence
     * at once, and accepted when its number's policy is auto-accept; webhooks that came before it (a terminate) are
     * replayed after the commit. A connect older than the accept window is stale (spec §4.1): dropped, no Graph call.
     */
    private Uni<Step> incoming(WebhookRecord record, String offerSdp) {
        Instant now = Instant.now();
        if (record.occurredAt() != null && record.occurredAt().isBefore(now.minus(config.acceptWindow()))) {
            LOG.warnf("call %s: user-initiated connect of %s is stale (older than %s); dropped", record.callId(),
                    record.occurredAt(), config.acceptWindow());
            registry.counter("callgate.call.webhooks.stale").increment();
            return Uni.createFrom().item(Step.NONE);
        }
        JsonNode item = record.item();
        JsonNode contact = record.firstContact();
        // a user with a username may come without a phone number: then only the BSUID names them (spec §4.2)
        Call call = Call.create(CallDirection.USER_INITIATED, CallState.INCOMING, record.callId(),
                record.phoneNumberId(), WebhookRecord.firstText(item.get("from"), contact.get("wa_id")),
                now);
        call.userId = WebhookRecord.firstText(item.get("from_user_id"), contact.get("user_id"));
        call.whatsappCallId = record.callId();
        // the connect's trace (ingress → callgate.webhooks → here) becomes the call's
        call.traceParent = tracing.current();
        call.deeplinkPayload = item.path("deeplink_payload").asText(null);
        call.ctaPayload = item.path("cta_payload").asText(null);
        call.mediaToneHz = incomingCalls.toneHz().isPresent() ? incomingCalls.toneHz().getAsDouble() : null;
        call.mediaPrompt = incomingCalls.prompt().orElse(null);
        call.mediaStream = incomingCalls.streamOf(call.phoneNumberId).map(spec -> spec.toJson().toString())
                .orElse(null);
        call.mediaRecord = incomingCalls.record();
        if (call.mediaRecord) {
            call.recordingPath = media.recordingPath(call.callRef).toString();
        }
        IncomingCalls.AnswerPolicy policy = incomingCalls.policyOf(call.phoneNumberId);
        LOG.infof("call %s: incoming from %s to %s (%s)", call.callRef, dev.callgate.runtime.CallLog.user(call.user()),
                call.phoneNumberId, policy);
        registry.counter("callgate.calls.incoming", "policy", policy.name().toLowerCase()).increment();
        Uni<Step> arrived = Panache.getSession().chain(s -> s.persist(call).chain(s::flush))
                .chain(() -> commit(call, null, CallStateMachine.incoming(call.whatsappCallId, offerSdp), null, record.receivedAt(), true));
        if (policy != IncomingCalls.AnswerPolicy.AUTO_ACCEPT) {
            return arrived;
        }
        return arrived.chain(first -> transition(call, new CallSignal.Accept(), record.receivedAt())
                .map(second -> first.then(second)));
    }

    /** Runs the state machine on a loaded call, inside the caller's transaction. */
    private Uni<Step> transition(Call call, CallSignal signal) {
        return transition(call, signal, Instant.now());
    }

    private Uni<Step> transition(Call call, CallSignal signal, Instant receivedAt) {
        Transition t = CallStateMachine.next(call.snapshot(), signal);
        if (!t.changed()) {
            LOG.debugf("call %s (%s): %s changes nothing in %s", call.callRef, call.whatsappCallId,
                    signal.getClass().getSimpleName(), call.state);
            return Uni.createFrom().item(Step.NONE);
        }
        Uni<Step> step = commit(call, call.state, t, signal, receivedAt, signal instanceof CallSignal.ConnectSent);
        if (signal instanceof CallSignal.ConnectRefused refused && refused.code() == 138006) {
            // Meta says the user has no permission: our permission state follows, in the same transaction
            return step.call(() -> permissions.refusedByMeta(call.phoneNumberId, call.user()));
        }
        return step;
    }

    /**
     * Writes a transition: the call row, outbox rows, timer rows; returns the effects to run after the commit and,
     * when {@code releaseParked}, the webhooks that were parked for the call's WhatsApp id.
     */
    private Uni<Step> commit(Call call, CallState before, Transition t, CallSignal signal, Instant receivedAt,
                             boolean releaseParked) {
        if (!releaseParked) {
            return write(call, before, t, signal, receivedAt, false);
        }
        // Recording a WhatsApp call id takes that id's lock before the call row's: a webhook of the same call takes
        // them in that order too (onWebhook), and the opposite order deadlocked under load (PostgreSQL 40P01). Before
        // the entity changes, too: Hibernate flushes a dirty call ahead of any native query, the lock's included.
        return lockCallId(t.call().whatsappCallId())
                .chain(() -> write(call, before, t, signal, receivedAt, true));
    }

    private Uni<Step> write(Call call, CallState before, Transition t, CallSignal signal, Instant receivedAt,
                            boolean releaseParked) {
        Instant now = Instant.now();
        call.apply(t.call(), now);
        String signalName = signal == null ? "OfferReceived" : signal.getClass().getSimpleName();
        Span span = transitionSpan(call, before, signalName);
        LOG.infof("call %s (%s): %s → %s on %s", call.callRef, call.whatsappCallId, before, call.state, signalName);
        String spanId = span.getSpanContext().isValid() ? span.getSpanContext().getSpanId() : null;
        Uni<Void> writes = Panache.getSession().chain(s -> s.flush())
                .chain(() -> dev.callgate.call.store.CallTransitions.record(call,
                        before == null ? null : before.name(), signalName, spanId));
        if (t.effects().stream().anyMatch(e -> e instanceof CallEffect.CreateOffer
                || e instanceof CallEffect.CreateAnswer)) {
            // the PeerConnection will live here — or, when this instance is draining or full, where there is room
            writes = writes.chain(() -> placement.ownerForNewCall()).invoke(owner -> {
                        call.mediaOwner = owner.id();
                        call.mediaEpoch = owner.epoch();
                    })
                    .replaceWithVoid();
        }
        List<CallEffect> later = new ArrayList<>();
        List<CloudApiEffects.Recorded> actions = new ArrayList<>();
        for (CallEffect effect : t.effects()) {
            if (effect instanceof Publish publish) {
                writes = writes.chain(() -> outbox.add(call, publish.type(), now));
            } else if (effect instanceof StartTimer start) {
                writes = writes.chain(() -> timers.start(call.id, start.timer()));
            } else if (effect instanceof CancelTimer cancel) {
                writes = writes.chain(() -> timers.cancel(call.id, cancel.timer()));
            } else if (CloudApiEffects.kindOf(effect).isPresent()) {
                if (effect instanceof CallEffect.SendTerminate || effect instanceof CallEffect.SendReject) {
                    call.metaEndRequested = true;
                }
                writes = writes.chain(() -> cloudApiEffects.record(call.id, effect).invoke(actions::add)
                        .replaceWithVoid());
            } else if (MediaCommands.needsMedia(effect)) {
                // decided once the media owner is known (placement above)
                writes = writes.chain(() -> {
                    if (mediaCommands.elsewhere(call)) {
                        return mediaCommands.route(call, effect);
                    }
                    later.add(effect);
                    return Uni.createFrom().voidItem();
                });
            } else {
                later.add(effect);
            }
        }
        if (call.state == CallState.ENDED && before != CallState.ENDED) {
            registry.counter("callgate.calls.ended", "outcome", call.outcome.name().toLowerCase()).increment();
            if (call.metaEndRequested && !call.metaEndConfirmed()) {
                // ended by the terminate grace without Meta's word (the event's terminateConfirmed: false); the
                // terminate goes on being retried — callgate_calls_terminate_confirmed_late_total when Meta takes it
                registry.counter("callgate.calls.terminate.unconfirmed").increment();
            }
        } else if (before == CallState.ENDED && signal instanceof CallSignal.MetaEndConfirmed) {
            // a terminate retried after the grace timer ended the call: Meta's side is over now too
            registry.counter("callgate.calls.terminate.confirmed.late").increment();
        }
        if (signal instanceof CallSignal.MediaConnected) {
            setup.record(java.time.Duration.between(call.createdAt, now));
        }
        CallContext context = CallContext.of(call, receivedAt);
        if (releaseParked && call.whatsappCallId != null) {
            // the call id is known now: the webhooks that arrived before it are replayed after the commit, each in
            // the transaction that deletes its parked row (a crash in between leaves it parked for the sweep)
            return ended(span, writes.chain(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                                    "select id from parked_webhooks where whatsapp_call_id = ?1 order by id", Long.class)
                            .setParameter(1, call.whatsappCallId).getResultList()))
                    .map(ids -> new Step(context, later, actions, ids)));
        }
        return ended(span, writes.replaceWith(() -> new Step(context, later, actions, List.of())));
    }

    /**
     * The transition's span, in the call's trace; the message that caused it (a webhook's own trace) is linked. A call
     * without a trace (created while tracing was off) takes the first transition's as its own. The span's context
     * goes with the call's outbox rows and effects ({@link Call#transitionTrace}).
     */
    private Span transitionSpan(Call call, CallState before, String signalName) {
        dev.callgate.runtime.CallLog.name(call.callRef, call.whatsappCallId);
        Context cause = Context.current();
        Context parent = call.traceParent != null ? TraceParent.context(call.traceParent) : cause;
        Span span = tracing.start("transition " + signalName, SpanKind.INTERNAL, parent, cause, call.callRef,
                call.whatsappCallId);
        if (!span.getSpanContext().isValid()) {
            return span; // tracing off
        }
        span.setAttribute("callgate.state.from", before == null ? "NONE" : before.name());
        span.setAttribute("callgate.state.to", call.state.name());
        call.transitionTrace = TraceParent.of(parent.with(span));
        dev.callgate.runtime.CallLog.trace(span.getSpanContext());
        if (call.traceParent == null) {
            call.traceParent = call.transitionTrace;
        }
        return span;
    }

    private static <T> Uni<T> ended(Span span, Uni<T> writes) {
        return writes.onTermination().invoke((item, failure, cancelled) -> CallTracing.end(span, failure));
    }

    /** One transaction, retried on an optimistic-lock conflict; effects and parked webhooks after the commit. */
    private Uni<Void> run(Supplier<Uni<Step>> work) {
        return Panache.withTransaction(work)
                .onFailure(CallOrchestrator::conflict).retry().atMost(5)
                .invoke(step -> relay.wakeUp())
                .chain(step -> {
                    if (step.call() != null && !step.effects().isEmpty()) {
                        effects.run(step.call(), step.effects(), this);
                    }
                    if (step.call() != null && !step.cloudApi().isEmpty()) {
                        cloudApiEffects.runAfterCommit(step.call(), step.cloudApi(), this);
                    }
                    Uni<Void> replay = Uni.createFrom().voidItem();
                    for (Long parked : step.released()) {
                        replay = replay.chain(() -> replayParked(parked));
                    }
                    return replay;
                });
    }

    /**
     * Applies a parked webhook and deletes its row in one transaction: it is replayed exactly once, even across a
     * crash (a row still parked when its call is known is found by {@link #replayParkedOfKnownCalls}).
     */
    private Uni<Void> replayParked(long parkedId) {
        return run(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        delete from parked_webhooks where id = ?1 returning cast(payload as text)""", String.class)
                .setParameter(1, parkedId).getResultList())
                .chain(rows -> {
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(Step.NONE); // replayed already
                    }
                    String json = rows.get(0);
                    WebhookRecord record;
                    try {
                        record = mapper.readValue(json, WebhookRecord.class);
                    } catch (JsonProcessingException e) {
                        LOG.errorf("parked webhook %d could not be read again (dropped): %s", parkedId,
                                e.getOriginalMessage());
                        return Uni.createFrom().item(Step.NONE);
                    }
                    LOG.infof("call %s: replaying parked %s %s", record.callId(), record.kind(), record.event());
                    return lockCallId(record.callId()).chain(() -> apply(record, json));
                }));
    }

    /** Replays parked webhooks whose call id has become known (left parked by a crash after the id was recorded). */
    public Uni<Integer> replayParkedOfKnownCalls() {
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        select p.id from parked_webhooks p join calls c on c.whatsapp_call_id = p.whatsapp_call_id
                        order by p.id limit 100""", Long.class).getResultList()))
                .chain(ids -> {
                    Uni<Void> replay = Uni.createFrom().voidItem();
                    for (Long id : ids) {
                        // one that keeps failing does not hold back the others
                        replay = replay.chain(() -> replayParked(id)
                                .onFailure().invoke(e -> LOG.warnf("parked webhook %d: replay failed: %s", id,
                                        e.toString()))
                                .onFailure().recoverWithNull());
                    }
                    return replay.replaceWith(ids.size());
                });
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** Serialises everything about one WhatsApp call id (parking vs. recording the id). */
    private static Uni<Void> lockCallId(String whatsappCallId) {
        if (whatsappCallId == null) {
            return Uni.createFrom().voidItem();
        }
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "select cast(pg_advisory_xact_lock(hashtext(?1)) as text)")
                .setParameter(1, "callgate:call:" + whatsappCallId).getSingleResult()).replaceWithVoid();
    }

    /** Records a command id; false if it was seen before. */
    private static Uni<Boolean> remember(String commandId, String callRef, String type) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into processed_commands (command_id, call_reference, command_type) values (?1, ?2, ?3)
                        on conflict (command_id) do nothing""")
                .setParameter(1, commandId).setParameter(2, callRef).setParameter(3, type).executeUpdate())
                .map(n -> n == 1);
    }

    private static Call newCall(InitiateCall command) {
        Call call = Call.create(CallDirection.BUSINESS_INITIATED, CallState.REQUESTED, command.callRef(),
                command.phoneNumberId(), command.to(), Instant.now());
        call.userId = command.recipient();
        call.metaRecording = command.recording() == null ? null : command.recording().toString();
        call.metaTranscription = command.transcription() == null ? null : command.transcription().toString();
        call.bizOpaqueCallbackData = command.bizOpaqueCallbackData();
        call.mediaToneHz = command.toneHz();
        call.mediaPrompt = command.prompt();
        call.mediaStream = command.stream();
        call.mediaRecord = command.record();
        return call;
    }

    private static boolean conflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof OptimisticLockException || t instanceof StaleStateException) {
                return true;
            }
        }
        return false;
    }
}
