package dev.callgate.call.flow;

import dev.callgate.call.BizOpaqueData;
import dev.callgate.call.CallConfig;
import dev.callgate.call.CallDirection;
import dev.callgate.call.CallEffect;
import dev.callgate.call.CallSignal;
import dev.callgate.call.CallState;
import dev.callgate.call.store.Call;
import dev.callgate.cluster.Instance;

import dev.callgate.runtime.StoreRetry;
import dev.callgate.cloudapi.CloudApiClient;
import dev.callgate.cloudapi.CloudApiException;
import dev.callgate.cloudapi.CloudApiUnreachableException;
import dev.callgate.cloudapi.ConnectLimitExceededException;
import dev.callgate.runtime.SafeContext;
import dev.callgate.tracing.CallTracing;
import dev.callgate.tracing.TraceParent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The effect runner for Cloud API actions (design.md, "Effects are durable"). A transition records each action it
 * decides as a {@code call_effects} row in its own transaction ({@link #record}), claimed by this instance, which runs
 * it right after the commit ({@link #runAfterCommit}); the result is a signal committed together with the row's
 * {@code done_at}, retried until it commits. A transient failure (Meta 5xx / 429, Meta unreachable) reschedules the row
 * with backoff; a row whose claim ran out (its instance died, its result never committed) is claimed again by the
 * poller of any instance. So a crash anywhere re-runs what was not confirmed:
 * <ul>
 *   <li>pre_accept, accept, reject, terminate are safe to repeat (Meta's "already done" counts as success);</li>
 *   <li>a connect is never sent twice: one whose attempt had started (committed before the request) is resolved as
 *   "outcome unknown" — a webhook naming our correlation finds the call, else the ring timeout ends it;</li>
 *   <li>a terminate or reject is retried after the call ended (the grace timer ends it with
 *   {@code terminateConfirmed: false}) until Meta confirms or {@code callgate.calls.terminate-retry-for} passes.</li>
 * </ul>
 * Media effects are not rows: a PeerConnection dies with its process, and media ownership with its recovery
 * ({@link MediaRecovery}) is their durable counterpart.
 */
@ApplicationScoped
public class CloudApiEffects {

    private static final Logger LOG = Logger.getLogger(CloudApiEffects.class);

    /** The Cloud API actions that are durable effects. */
    enum Kind {
        CONNECT, PRE_ACCEPT, ACCEPT, REJECT, TERMINATE;

        /** Asks Meta to end the call: worth retrying after the call ended on our side. */
        boolean endsTheCall() {
            return this == REJECT || this == TERMINATE;
        }
    }

    /** A recorded effect: its row and what it asks for. */
    record Recorded(long id, Kind kind, String sdp) {
    }

    private final CloudApiClient cloudApi;
    private final Instance instance;
    private final CallConfig config;
    private final MeterRegistry registry;
    private final Vertx vertx;
    private final StoreRetry storeRetry;
    private final CallTracing tracing;
    private final io.micrometer.core.instrument.Timer connectOverhead;

    public CloudApiEffects(CloudApiClient cloudApi, Instance instance, CallConfig config, MeterRegistry registry,
                           Vertx vertx, StoreRetry storeRetry, CallTracing tracing) {
        this.tracing = tracing;
        this.storeRetry = storeRetry;
        this.connectOverhead = io.micrometer.core.instrument.Timer.builder("callgate.call.connect.overhead")
                .description("From the command (call created) to the connect request leaving, media offer included")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.cloudApi = cloudApi;
        this.instance = instance;
        this.config = config;
        this.registry = registry;
        this.vertx = vertx;
        for (Kind kind : Kind.values()) {
            if (kind.endsTheCall()) {
                // at 0 from the start: a give-up is rare, and the first after a start must be an increase() too
                registry.counter("callgate.call.effects.abandoned", "kind", kind.name().toLowerCase());
            }
        }
    }

    static Optional<Kind> kindOf(CallEffect effect) {
        if (effect instanceof CallEffect.SendConnect) {
            return Optional.of(Kind.CONNECT);
        }
        if (effect instanceof CallEffect.SendPreAccept) {
            return Optional.of(Kind.PRE_ACCEPT);
        }
        if (effect instanceof CallEffect.SendAccept) {
            return Optional.of(Kind.ACCEPT);
        }
        if (effect instanceof CallEffect.SendReject) {
            return Optional.of(Kind.REJECT);
        }
        if (effect instanceof CallEffect.SendTerminate) {
            return Optional.of(Kind.TERMINATE);
        }
        return Optional.empty();
    }

    private static String sdpOf(CallEffect effect) {
        if (effect instanceof CallEffect.SendConnect connect) {
            return connect.offerSdp();
        }
        if (effect instanceof CallEffect.SendPreAccept preAccept) {
            return preAccept.answerSdp();
        }
        if (effect instanceof CallEffect.SendAccept accept) {
            return accept.answerSdp();
        }
        return null;
    }

    /** In the transition's transaction: the effect as a row, claimed by this instance to run after the commit. */
    Uni<Recorded> record(UUID callId, CallEffect effect) {
        Kind kind = kindOf(effect).orElseThrow();
        String sdp = sdpOf(effect);
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into call_effects (call_id, kind, sdp, claimed_by, claimed_until)
                        values (?1, ?2, ?3, ?4, now() + make_interval(secs => ?5)) returning id""", Long.class)
                .setParameter(1, callId).setParameter(2, kind.name()).setParameter(3, sdp)
                .setParameter(4, instance.id()).setParameter(5, seconds(config.effectClaim()))
                .getSingleResult()).map(id -> new Recorded(id, kind, sdp));
    }

    /** After the commit: the effects one transition recorded, in order (a pre_accept before its accept). */
    void runAfterCommit(CallContext call, List<Recorded> effects, CallSignals signals) {
        SafeContext.run(vertx, TraceParent.context(call.trace()), () -> {
            dev.callgate.runtime.CallLog.name(call.callRef(), call.whatsappCallId());
            inOrder(call, effects, signals).subscribe().with(ok -> {
            }, failure -> LOG.errorf(failure, "call %s (%s): effects failed", call.callRef(), call.whatsappCallId()));
        });
    }

    /** Runs effects of one call in order; one that is rescheduled takes the later ones with it. */
    private Uni<Void> inOrder(CallContext call, List<Recorded> effects, CallSignals signals) {
        Uni<Boolean> all = Uni.createFrom().item(true);
        for (Recorded effect : effects) {
            all = all.chain(goOn -> goOn ? execute(call, effect, signals) : Uni.createFrom().item(false));
        }
        return all.replaceWithVoid();
    }

    /**
     * One attempt: started (committed), sent, and its result committed — or rescheduled when Meta may say yes later.
     * False when rescheduled: the call's later effects wait for it.
     */
    private Uni<Boolean> execute(CallContext call, Recorded effect, CallSignals signals) {
        return start(effect.id()).chain(started -> {
            if (started == null) {
                return Uni.createFrom().item(true); // done meanwhile, or another instance took it over
            }
            if (started.waiting()) {
                return Uni.createFrom().item(false); // an earlier effect of the call first; the poller comes back
            }
            if (!effect.kind().endsTheCall() && (started.state() == CallState.TERMINATING
                    || started.state() == CallState.ENDED)) {
                return finish(signals, call, effect, null, "not needed: the call is " + started.state()).replaceWith(true);
            }
            if (effect.kind() == Kind.CONNECT && started.attempts() > 1) {
                // an earlier attempt started and never recorded its result: it may have placed the call at Meta, so
                // it is never sent again; the call's correlation in a webhook finds it, or the ring timeout ends it
                LOG.warnf("call %s: a connect was in flight when its instance stopped; its outcome is unknown",
                        call.callRef());
                return finish(signals, call, effect, new CallSignal.ConnectOutcomeUnknown("connect_outcome_unknown", true, null,
                        "Callgate stopped while the connect was in flight"), "outcome unknown").replaceWith(true);
            }
            // an earlier attempt of this effect (a retry, a run before a crash) may have reached Meta: then Meta's
            // "already done" is success
            return traced(call, effect, started.attempts(), send(call, effect, started.attempts() > 1))
                    .chain(signal -> finish(signals, call, effect, signal, signal == null ? "done" : signalName(signal)))
                    .replaceWith(true)
                    .onFailure(CloudApiEffects::transientFailure)
                    .recoverWithUni(failure -> reschedule(call, effect, started.attempts(), failure).replaceWith(false))
                    .onFailure().recoverWithUni(failure -> finish(signals, call, effect, refused(call, effect, failure),
                            "refused: " + failure.getMessage()).replaceWith(true));
        });
    }

    /** An attempt that may go ahead ({@code attempts} counted), or one that waits for an earlier effect. */
    private record Started(int attempts, CallState state, boolean waiting) {
    }

    /**
     * Counts the attempt and renews the claim, before the request leaves — only while this instance holds the claim
     * (an instance whose claim ran out and was taken over never runs the effect twice) and only once every earlier
     * effect of the call is done (a late pre_accept never follows its accept; an accept waits for its pre_accept).
     * Null when the effect is done already or claimed elsewhere; {@code waiting} when an earlier effect is not done:
     * then the claim is released and the poller tries again shortly.
     */
    private Uni<Started> start(long id) {
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        update call_effects e set attempts = e.attempts + case when earlier.n = 0 then 1 else 0 end,
                               claimed_by = case when earlier.n = 0 then ?2 end,
                               claimed_until = case when earlier.n = 0 then now() + make_interval(secs => ?3) end,
                               due_at = case when earlier.n = 0 then e.due_at else now() + interval '200 milliseconds' end
                        from calls c, (select count(*) as n from call_effects p, call_effects me
                                       where me.id = ?1 and p.call_id = me.call_id and p.id < me.id
                                         and p.done_at is null) earlier
                        where e.id = ?1 and e.done_at is null and e.claimed_by = ?2 and c.id = e.call_id
                        returning e.attempts, c.state, earlier.n > 0""", Object[].class)
                .setParameter(1, id).setParameter(2, instance.id()).setParameter(3, seconds(config.effectClaim()))
                .getResultList())).map(rows -> rows.isEmpty() ? null
                : new Started(((Number) rows.get(0)[0]).intValue(), CallState.valueOf((String) rows.get(0)[1]),
                (Boolean) rows.get(0)[2]));
    }

    /**
     * A Graph request's span in the call's trace ({@code graph connect}, {@code graph accept}, …): its attempt, and
     * Meta's error code when Meta refused it. A connect's refusal is its result (a signal), not a failure: its code
     * is read from the signal.
     */
    private Uni<CallSignal> traced(CallContext call, Recorded effect, int attempt, Uni<CallSignal> request) {
        io.opentelemetry.context.Context parent = TraceParent.context(call.trace());
        Span span = tracing.start("graph " + effect.kind().name().toLowerCase(), SpanKind.CLIENT, parent, null,
                call.callRef(), call.whatsappCallId());
        if (!span.getSpanContext().isValid()) {
            return request;
        }
        span.setAttribute("callgate.effect.attempt", attempt);
        // current while the request is sent (this context runs the call's effects one at a time): the REST client's
        // HTTP span goes under it
        return Uni.createFrom().deferred(() -> {
            io.opentelemetry.context.Scope scope = parent.with(span).makeCurrent();
            return request.onTermination().invoke(scope::close);
        }).onTermination().invoke((signal, failure, cancelled) -> {
            if (failure instanceof CloudApiException refused) {
                span.setAttribute(CallTracing.GRAPH_ERROR_CODE, refused.code());
                span.setAttribute("http.response.status_code", refused.httpStatus());
            } else if (signal instanceof CallSignal.ConnectRefused refused) {
                span.setAttribute(CallTracing.GRAPH_ERROR_CODE, refused.code());
                span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, "connect refused: " + refused.message());
            } else if (signal instanceof CallSignal.ConnectOutcomeUnknown unknown) {
                if (unknown.code() != null) {
                    span.setAttribute(CallTracing.GRAPH_ERROR_CODE, unknown.code());
                }
                span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, "connect outcome unknown: "
                        + unknown.message());
            }
            CallTracing.end(span, cancelled ? new java.util.concurrent.CancellationException() : failure);
        });
    }

    /** The Cloud API request; its result as the signal to commit (null: nothing to tell the call). */
    private Uni<CallSignal> send(CallContext call, Recorded effect, boolean retry) {
        return switch (effect.kind()) {
            case CONNECT -> connect(call, effect);
            case PRE_ACCEPT -> cloudApi.preAccept(call.phoneNumberId(), call.whatsappCallId(), effect.sdp(), retry)
                    .map(done -> (CallSignal) null);
            case ACCEPT -> cloudApi.accept(call.phoneNumberId(), call.whatsappCallId(), effect.sdp(),
                            call.bizOpaqueCallbackData(), call.metaRecording(), call.metaTranscription(), retry)
                    .replaceWith(new CallSignal.AcceptSent());
            case REJECT -> cloudApi.reject(call.phoneNumberId(), call.whatsappCallId(), retry)
                    .map(already -> new CallSignal.MetaEndConfirmed(already));
            case TERMINATE -> cloudApi.terminate(call.phoneNumberId(), call.whatsappCallId(), retry)
                    // a user's call Meta had not taken as accepted yet (our accept in flight) is declined instead
                    .onFailure(e -> call.direction() == CallDirection.USER_INITIATED && e instanceof CloudApiException g
                            && (g.graphMessage() + g.details().orElse("")).contains("reject"))
                    .recoverWithUni(e -> cloudApi.reject(call.phoneNumberId(), call.whatsappCallId(), retry))
                    .map(already -> new CallSignal.MetaEndConfirmed(already));
        };
    }

    private Uni<CallSignal> connect(CallContext call, Recorded effect) {
        connectOverhead.record(Duration.between(call.createdAt(), Instant.now()));
        return cloudApi.connect(call.phoneNumberId(), call.to(), call.recipient(), effect.sdp(),
                            BizOpaqueData.wire(call.callId(), call.bizOpaqueCallbackData()), call.metaRecording(),
                            call.metaTranscription())
                    .map(id -> (CallSignal) new CallSignal.ConnectSent(id))
                    // every connect failure is an answer for the call: never sent again (it may have placed the call)
                    .onFailure().recoverWithItem(CloudApiEffects::connectFailure);
    }

    /** Meta refused the action for good: what the call makes of it (null: nothing, the refusal is only logged). */
    private CallSignal refused(CallContext call, Recorded effect, Throwable failure) {
        LOG.errorf("call %s (%s): %s refused by Meta: %s", call.callRef(), call.whatsappCallId(),
                effect.kind().name().toLowerCase(), failure.getMessage());
        registry.counter("callgate.call.effects.refused", "kind", effect.kind().name().toLowerCase()).increment();
        return switch (effect.kind()) {
            case PRE_ACCEPT -> new CallSignal.MediaFailed("pre_accept_failed");
            case ACCEPT -> new CallSignal.MediaFailed("accept_failed");
            default -> null; // a terminate or reject Meta refuses (the call unknown there) leaves terminateConfirmed false
        };
    }

    /** Commits the result with the row's end, retried until it commits (or PostgreSQL refuses it for good). */
    private Uni<Void> finish(CallSignals signals, CallContext call, Recorded effect, CallSignal signal,
                             String result) {
        return storeRetry.<Void>untilStored("effects", call.callRef(), effect.kind().name().toLowerCase() + " result",
                        () -> signals.effectDone(call.callId(), effect.id(), signal, result))
                .onFailure().invoke(e -> LOG.errorf(e, "call %s (%s): the result of %s was not stored; the effect "
                        + "runs again when its claim runs out", call.callRef(), call.whatsappCallId(),
                        effect.kind().name().toLowerCase()))
                .onFailure().recoverWithNull();
    }

    /** Meta may say yes later: the row is due again after a backoff — or, past its retry budget, given up. */
    private Uni<Void> reschedule(CallContext call, Recorded effect, int attempts, Throwable failure) {
        double backoff = Math.min(config.effectMaxBackoff().toMillis() / 1000.0, Math.pow(2, Math.min(attempts, 16) - 1));
        registry.counter("callgate.call.effects.retries", "kind", effect.kind().name().toLowerCase()).increment();
        LOG.warnf("call %s (%s): %s failed (attempt %d), again in %.0f s: %s", call.callRef(), call.whatsappCallId(),
                effect.kind().name().toLowerCase(), attempts, backoff, failure.getMessage());
        // the row and the call's later effects, in one transaction
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        update call_effects set claimed_by = null, claimed_until = null, last_error = ?2,
                               due_at = now() + make_interval(secs => ?3),
                               done_at = case when created_at < now() - make_interval(secs => ?4) then now() end,
                               result = case when created_at < now() - make_interval(secs => ?4)
                                             then 'abandoned after ' || attempts || ' attempts' end
                        where id = ?1 and done_at is null returning done_at is not null""", Boolean.class)
                .setParameter(1, effect.id()).setParameter(2, String.valueOf(failure.getMessage()))
                .setParameter(3, backoff).setParameter(4, seconds(config.terminateRetryFor()))
                .getResultList()
                .call(() -> s.createNativeQuery("""
                                update call_effects set claimed_by = null, claimed_until = null,
                                       due_at = now() + make_interval(secs => ?3)
                                where call_id = ?1 and id > ?2 and done_at is null""")
                        .setParameter(1, call.callId()).setParameter(2, effect.id()).setParameter(3, backoff)
                        .executeUpdate())))
                .invoke(abandoned -> {
                    if (!abandoned.isEmpty() && abandoned.get(0)) {
                        LOG.errorf("call %s (%s): %s given up after %s of retries; Meta never confirmed it",
                                call.callRef(), call.whatsappCallId(), effect.kind().name().toLowerCase(),
                                config.terminateRetryFor());
                        registry.counter("callgate.call.effects.abandoned", "kind",
                                effect.kind().name().toLowerCase()).increment();
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("call %s: rescheduling %s failed (%s); it runs again when its "
                        + "claim runs out", call.callRef(), effect.kind(), e.toString()))
                .onFailure().recoverWithNull();
    }

    /** Effects that are due and unclaimed (never run, rescheduled, or left by a stopped instance), per call in order. */
    Uni<Void> poll(CallSignals signals) {
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        update call_effects set claimed_by = ?1, claimed_until = now() + make_interval(secs => ?2)
                        where id in (select id from call_effects
                                     where done_at is null and due_at <= now()
                                       and (claimed_until is null or claimed_until < now())
                                     order by id limit 8 for update skip locked)
                        returning id, call_id, kind, sdp""", Object[].class)
                .setParameter(1, instance.id()).setParameter(2, seconds(config.effectClaim()))
                .getResultList())).chain(rows -> {
            Map<UUID, List<Recorded>> byCall = new LinkedHashMap<>();
            rows.stream().sorted(java.util.Comparator.comparingLong(r -> ((Number) r[0]).longValue()))
                    .forEach(r -> byCall.computeIfAbsent((UUID) r[1], k -> new ArrayList<>()).add(new Recorded(
                            ((Number) r[0]).longValue(), Kind.valueOf((String) r[2]), (String) r[3])));
            Uni<Void> all = Uni.createFrom().voidItem();
            for (Map.Entry<UUID, List<Recorded>> call : byCall.entrySet()) {
                all = all.chain(() -> Panache.withSession(() -> Call.<Call>findById(call.getKey()))
                        .chain(found -> found == null ? Uni.createFrom().voidItem()
                                : inOrder(CallContext.of(found, Instant.now()), call.getValue(), signals))
                        .onFailure().invoke(e -> LOG.errorf(e, "call %s: effects failed", call.getKey()))
                        .onFailure().recoverWithNull());
            }
            return all;
        });
    }

    private static boolean transientFailure(Throwable failure) {
        return failure instanceof CloudApiUnreachableException
                || failure instanceof CloudApiException graph && graph.transientFailure();
    }

    static CallSignal connectFailure(Throwable failure) {
        if (failure instanceof CloudApiException graph && graph.httpStatus() >= 500) {
            // Meta may have placed the call before failing to answer: it may be ringing
            return new CallSignal.ConnectOutcomeUnknown("connect_outcome_unknown", true, graph.code(),
                    graph.graphMessage() + graph.details().map(d -> " (" + d + ")").orElse(""));
        }
        if (failure instanceof CloudApiException graph) {
            return new CallSignal.ConnectRefused(graph.code(), graph.graphMessage()
                    + graph.details().map(d -> " (" + d + ")").orElse(""));
        }
        if (failure instanceof ConnectLimitExceededException limit) {
            return new CallSignal.ConnectRefused(138005, "Callgate's own initiation limit: " + limit.getMessage());
        }
        if (failure instanceof CloudApiUnreachableException unreachable) {
            return unreachable.mayHaveReachedMeta()
                    ? new CallSignal.ConnectOutcomeUnknown("connect_outcome_unknown", true, null,
                    "no answer from the Cloud API: " + unreachable.getMessage())
                    : new CallSignal.ConnectOutcomeUnknown("cloud_api_unreachable");
        }
        return new CallSignal.ConnectOutcomeUnknown("connect_failed: " + failure);
    }

    private static String signalName(CallSignal signal) {
        return signal.getClass().getSimpleName();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
