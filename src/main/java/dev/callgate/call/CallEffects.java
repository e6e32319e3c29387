package dev.callgate.call;

import dev.callgate.cloudapi.CloudApiClient;
import dev.callgate.cloudapi.CloudApiException;
import dev.callgate.cloudapi.CloudApiUnreachableException;
import dev.callgate.cloudapi.ConnectLimitExceededException;
import dev.callgate.media.MediaCapacityException;
import dev.callgate.media.MediaListener;
import dev.callgate.media.MediaOptions;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.runtime.SafeContext;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Provider;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs the effects of committed transitions that leave the database: media (the worker pool) and the Cloud API.
 * Their results come back to {@link CallOrchestrator} as signals. Every effect is safe to repeat.
 */
@ApplicationScoped
public class CallEffects implements MediaListener {

    private static final Logger LOG = Logger.getLogger(CallEffects.class);

    private final MediaWorkerPool media;
    private final CloudApiClient cloudApi;
    private final Provider<CallOrchestrator> orchestrator;
    private final Vertx vertx;
    private final MediaDefaults defaults;
    private final io.micrometer.core.instrument.MeterRegistry registry;
    /** media key → call id, for media reports. */
    private final Map<String, UUID> calls = new ConcurrentHashMap<>();

    public CallEffects(MediaWorkerPool media, CloudApiClient cloudApi, Provider<CallOrchestrator> orchestrator,
                       Vertx vertx, MediaDefaults defaults, io.micrometer.core.instrument.MeterRegistry registry) {
        this.registry = registry;
        this.media = media;
        this.cloudApi = cloudApi;
        this.orchestrator = orchestrator;
        this.vertx = vertx;
        this.defaults = defaults;
    }

    void listen(@Observes StartupEvent event) {
        media.setListener(this);
        io.micrometer.core.instrument.Gauge.builder("callgate.media.calls", media, MediaWorkerPool::activeCalls)
                .description("Calls whose media (a PeerConnection) this instance holds").register(registry);
    }

    void run(CallContext call, List<CallEffect> effects) {
        CallEffect.SendPreAccept preAccept = null;
        CallEffect.SendAccept accept = null;
        for (CallEffect effect : effects) {
            if (effect instanceof CallEffect.SendPreAccept p) {
                preAccept = p;
            } else if (effect instanceof CallEffect.SendAccept a) {
                accept = a;
            }
        }
        for (CallEffect effect : effects) {
            if (preAccept != null && accept != null && effect == accept) {
                continue; // sent once pre_accept has succeeded, below: Meta takes them in that order only
            }
            try {
                if (effect == preAccept && accept != null) {
                    preAcceptThenAccept(call, preAccept, accept);
                } else {
                    run(call, effect);
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "call %s (%s): effect %s failed", call.callRef(), call.whatsappCallId(), effect);
            }
        }
    }

    /** An accept decided before our answer was ready: pre_accept, and accept only after it returned 200. */
    private void preAcceptThenAccept(CallContext call, CallEffect.SendPreAccept preAccept, CallEffect.SendAccept accept) {
        onContext(() -> sendPreAccept(call, preAccept)
                .chain(sent -> sent ? sendAccept(call, accept) : Uni.createFrom().voidItem()));
    }

    /** True when Meta took the pre_accept; otherwise the call fails (pre_accept_failed). */
    private Uni<Boolean> sendPreAccept(CallContext call, CallEffect.SendPreAccept preAccept) {
        return cloudApi.preAccept(call.phoneNumberId(), call.whatsappCallId(), preAccept.answerSdp())
                .replaceWith(true)
                .onFailure().invoke(e -> LOG.errorf("call %s (%s): pre_accept failed: %s", call.callRef(),
                        call.whatsappCallId(), e.getMessage()))
                .onFailure().recoverWithUni(e -> orchestrator.get().signal(call.callId(),
                        new CallSignal.MediaFailed("pre_accept_failed")).replaceWith(false));
    }

    private Uni<Void> sendAccept(CallContext call, CallEffect.SendAccept accept) {
        return cloudApi.accept(call.phoneNumberId(), call.whatsappCallId(), accept.answerSdp(),
                        call.bizOpaqueCallbackData(), call.metaRecording(), call.metaTranscription())
                .chain(() -> orchestrator.get().signal(call.callId(), new CallSignal.AcceptSent()))
                .onFailure().invoke(e -> LOG.errorf("call %s (%s): accept failed: %s", call.callRef(),
                        call.whatsappCallId(), e.getMessage()))
                .onFailure().recoverWithUni(e -> orchestrator.get().signal(call.callId(),
                        new CallSignal.MediaFailed("accept_failed")));
    }

    private void run(CallContext call, CallEffect effect) {
        String key = call.mediaKey();
        if (effect instanceof CallEffect.CreateOffer) {
            calls.put(key, call.callId());
            // silence while the phone rings (RTP keeps WhatsApp's media timer content); the call's own audio
            // starts from its beginning when the user picks up (PlayMedia)
            media.createOffer(key, MediaOptions.silence().withRecord(call.record())).whenComplete((sdp, failure) ->
                    signal(call, failure == null
                    ? new CallSignal.LocalSdpReady(sdp) : new CallSignal.MediaRefused(mediaRefusal(failure))));
        } else if (effect instanceof CallEffect.CreateAnswer answer) {
            calls.put(key, call.callId());
            // no RTP at all until accept returned 200 (PlayMedia): WhatsApp takes the first packet as "answered"
            media.createAnswer(key, answer.remoteOfferSdp(), MediaOptions.nothingUntilPlay().withRecord(call.record()))
                    .whenComplete((sdp, failure) ->
                    signal(call, failure == null ? new CallSignal.LocalSdpReady(sdp)
                            : new CallSignal.MediaRefused(mediaRefusal(failure))));
        } else if (effect instanceof CallEffect.ApplyAnswer answer) {
            media.applyAnswer(key, answer.sdp()).whenComplete((ok, failure) -> {
                if (failure == null) {
                    io.micrometer.core.instrument.Timer.builder("callgate.call.answer.apply")
                            .description("From the connect webhook reaching the ingress to the SDP answer applied")
                            .publishPercentiles(0.5, 0.99).register(registry)
                            .record(java.time.Duration.between(call.signalReceivedAt(), java.time.Instant.now()));
                } else {
                    LOG.errorf("call %s (%s): the SDP answer could not be applied: %s", call.callRef(),
                            call.whatsappCallId(), failure);
                    signal(call, new CallSignal.MediaFailed("answer_not_applied"));
                }
            });
        } else if (effect instanceof CallEffect.PlayMedia) {
            media.play(key, options(call)).whenComplete((ok, failure) -> {
                if (failure != null) {
                    LOG.errorf("call %s (%s): its audio could not start: %s", call.callRef(), call.whatsappCallId(),
                            failure);
                    signal(call, new CallSignal.MediaFailed("media_not_started"));
                }
            });
        } else if (effect instanceof CallEffect.CloseMedia) {
            media.report(key).ifPresent(report -> {
                LOG.infof("call %s (%s): media closed: %d frames sent, %d received, level %.1f dBFS, dominant %.0f Hz",
                        call.callRef(), call.whatsappCallId(), report.framesSent(), report.received().frames(),
                        report.received().levelDbfs(), report.received().dominantHz());
                registry.summary("callgate.media.received.frames").record(report.received().frames());
                registry.summary("callgate.media.received.level.dbfs").record(report.received().levelDbfs());
            });
            media.close(key);
            calls.remove(key);
        } else if (effect instanceof CallEffect.SendConnect connect) {
            io.micrometer.core.instrument.Timer.builder("callgate.call.connect.overhead")
                    .description("From the command (call created) to the connect request leaving, media offer included")
                    .publishPercentiles(0.5, 0.99).register(registry)
                    .record(java.time.Duration.between(call.createdAt(), java.time.Instant.now()));
            onContext(() -> cloudApi.connect(call.phoneNumberId(), call.to(), call.recipient(), connect.offerSdp(),
                            BizOpaqueData.wire(call.callId(), call.bizOpaqueCallbackData()), call.metaRecording(),
                            call.metaTranscription())
                    .map(id -> (CallSignal) new CallSignal.ConnectSent(id))
                    .onFailure().recoverWithItem(CallEffects::connectFailure)
                    .chain(signal -> orchestrator.get().signal(call.callId(), signal)));
        } else if (effect instanceof CallEffect.SendTerminate) {
            onContext(() -> cloudApi.terminate(call.phoneNumberId(), call.whatsappCallId())
                    // a user's call Meta had not taken as accepted yet (our accept in flight) is declined instead
                    .onFailure(e -> call.direction() == CallDirection.USER_INITIATED && e instanceof CloudApiException g
                            && (g.graphMessage() + g.details().orElse("")).contains("reject"))
                    .recoverWithUni(e -> cloudApi.reject(call.phoneNumberId(), call.whatsappCallId()))
                    .onFailure().invoke(e -> LOG.warnf("call %s (%s): terminate failed, the grace timer ends the "
                            + "call: %s", call.callRef(), call.whatsappCallId(), e.getMessage()))
                    .onFailure().recoverWithNull().replaceWithVoid());
        } else if (effect instanceof CallEffect.SendPreAccept preAccept) {
            onContext(() -> sendPreAccept(call, preAccept).replaceWithVoid());
        } else if (effect instanceof CallEffect.SendAccept accept) {
            onContext(() -> sendAccept(call, accept));
        } else if (effect instanceof CallEffect.SendReject) {
            onContext(() -> cloudApi.reject(call.phoneNumberId(), call.whatsappCallId())
                    .onFailure().recoverWithNull().replaceWithVoid());
        }
    }

    private MediaOptions options(CallContext call) {
        Path prompt = call.prompt() == null ? null : defaults.prompt(call.prompt());
        double tone = call.toneHz() != null ? call.toneHz() : defaults.toneHz();
        return new MediaOptions(prompt == null ? tone : 0, prompt, true, call.record());
    }

    private static String mediaRefusal(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof dev.callgate.media.MediaDrainingException) {
            return "instance_draining";
        }
        return cause instanceof MediaCapacityException ? "over_capacity" : "media_error: " + cause.getMessage();
    }

    private static CallSignal connectFailure(Throwable failure) {
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

    // ---- media reports -----------------------------------------------------------------------------------------

    @Override
    public void connected(String callKey) {
        UUID callId = calls.get(callKey);
        if (callId != null) {
            onContext(() -> orchestrator.get().signal(callId, new CallSignal.MediaConnected()));
        }
    }

    @Override
    public void audioHeard(String callKey) {
        UUID callId = calls.get(callKey);
        if (callId != null) {
            onContext(() -> orchestrator.get().signal(callId, new CallSignal.UserAudioHeard()));
        }
    }

    @Override
    public void failed(String callKey, String reason) {
        UUID callId = calls.get(callKey);
        if (callId != null) {
            onContext(() -> orchestrator.get().signal(callId, new CallSignal.MediaFailed(reason)));
        }
    }

    private void signal(CallContext call, CallSignal signal) {
        onContext(() -> orchestrator.get().signal(call.callId(), signal));
    }

    /** Runs reactive work on a fresh duplicated Vert.x context (Hibernate Reactive needs one), from any thread. */
    void onContext(Supplier<Uni<Void>> work) {
        SafeContext.run(vertx, () -> work.get().subscribe().with(ok -> {
        }, failure -> LOG.errorf(failure, "call signal failed")));
    }
}
