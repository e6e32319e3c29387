package dev.callgate.call.flow;

import dev.callgate.call.CallEffect;
import dev.callgate.call.CallSignal;

import dev.callgate.runtime.StoreRetry;
import dev.callgate.media.MediaCapacityException;
import dev.callgate.media.MediaListener;
import dev.callgate.media.MediaOptions;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.runtime.SafeContext;
import dev.callgate.tracing.CallTracing;
import dev.callgate.tracing.TraceParent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs the media effects of committed transitions on the worker pool (the Cloud API's are durable rows run by
 * {@link CloudApiEffects}); their results and the media's reports come back to {@link CallOrchestrator} as signals.
 */
@ApplicationScoped
public class CallEffects implements MediaListener {

    private static final Logger LOG = Logger.getLogger(CallEffects.class);

    private final MediaWorkerPool media;
    private final Vertx vertx;
    private final MediaDefaults defaults;
    private final io.micrometer.core.instrument.MeterRegistry registry;
    private final StoreRetry storeRetry;
    /** Where a call's media reports go: its id and the signals receiver that handed its media over. */
    private record Receiver(UUID callId, CallSignals signals) {
    }

    /** media key → receiver, for media reports. */
    private final Map<String, Receiver> calls = new ConcurrentHashMap<>();

    private final dev.callgate.stream.AudioStreams streams;
    private final CallTracing tracing;
    private final io.micrometer.core.instrument.Timer answerApply;
    private final io.micrometer.core.instrument.Timer offerReady;
    private final io.micrometer.core.instrument.Timer answerReady;

    public CallEffects(MediaWorkerPool media, Vertx vertx, MediaDefaults defaults,
                       io.micrometer.core.instrument.MeterRegistry registry, StoreRetry storeRetry,
                       dev.callgate.stream.AudioStreams streams, CallTracing tracing) {
        this.tracing = tracing;
        this.streams = streams;
        this.answerApply = io.micrometer.core.instrument.Timer.builder("callgate.call.answer.apply")
                .description("From the connect webhook reaching the ingress to the SDP answer applied")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.offerReady = sdpReady(registry, "offer");
        this.answerReady = sdpReady(registry, "answer");
        this.storeRetry = storeRetry;
        this.registry = registry;
        this.media = media;
        this.vertx = vertx;
        this.defaults = defaults;
    }

    void listen(@Observes StartupEvent event) {
        media.setListener(this);
        io.micrometer.core.instrument.Gauge.builder("callgate.media.calls", media, MediaWorkerPool::activeCalls)
                .description("Calls whose media (a PeerConnection) this instance holds").register(registry);
        // what callgate_media_calls is measured against: at it, new calls go elsewhere or are refused (over_capacity)
        io.micrometer.core.instrument.Gauge.builder("callgate.media.capacity", media, MediaWorkerPool::capacity)
                .description("Calls whose media this instance may hold (callgate.media.max-calls)").register(registry);
    }

    /** Runs media effects of a committed transition; what the media says later goes to {@code signals}. */
    void run(CallContext call, List<CallEffect> effects, CallSignals signals) {
        for (CallEffect effect : effects) {
            try {
                run(call, effect, signals);
            } catch (RuntimeException e) {
                LOG.errorf(e, "call %s (%s): effect %s failed", call.callRef(), call.whatsappCallId(), effect);
            }
        }
    }

    private void run(CallContext call, CallEffect effect, CallSignals signals) {
        String key = call.mediaKey();
        if (effect instanceof CallEffect.CreateOffer) {
            calls.put(key, new Receiver(call.callId(), signals));
            // silence while the phone rings (RTP keeps WhatsApp's media timer content); the call's own audio
            // starts from its beginning when the user picks up (PlayMedia)
            long asked = System.nanoTime();
            Span span = mediaSpan(call, "media offer");
            media.createOffer(key, MediaOptions.silence().withRecord(call.record())).whenComplete((sdp, failure) -> {
                CallTracing.end(span, failure);
                signal(call, signals, localSdp(offerReady, asked, sdp, failure));
            });
        } else if (effect instanceof CallEffect.CreateAnswer answer) {
            calls.put(key, new Receiver(call.callId(), signals));
            // no RTP at all until accept returned 200 (PlayMedia): WhatsApp takes the first packet as "answered"
            long asked = System.nanoTime();
            Span span = mediaSpan(call, "media answer");
            media.createAnswer(key, answer.remoteOfferSdp(), MediaOptions.nothingUntilPlay().withRecord(call.record()))
                    .whenComplete((sdp, failure) -> {
                        CallTracing.end(span, failure);
                        signal(call, signals, localSdp(answerReady, asked, sdp, failure));
                    });
        } else if (effect instanceof CallEffect.ApplyAnswer answer) {
            Span span = mediaSpan(call, "media apply-answer");
            media.applyAnswer(key, answer.sdp()).whenComplete((ok, failure) -> {
                CallTracing.end(span, failure);
                if (failure == null) {
                    answerApply.record(java.time.Duration.between(call.signalReceivedAt(), java.time.Instant.now()));
                } else {
                    LOG.errorf("call %s (%s): the SDP answer could not be applied: %s", call.callRef(),
                            call.whatsappCallId(), failure);
                    signal(call, signals, new CallSignal.MediaFailed("answer_not_applied"));
                }
            });
        } else if (effect instanceof CallEffect.PlayMedia && call.stream() != null) {
            stream(call, signals, false);
        } else if (effect instanceof CallEffect.PlayMedia) {
            media.play(key, options(call)).whenComplete((ok, failure) -> {
                if (failure != null) {
                    LOG.errorf("call %s (%s): its audio could not start: %s", call.callRef(), call.whatsappCallId(),
                            failure);
                    signal(call, signals, new CallSignal.MediaFailed("media_not_started"));
                }
            });
        } else if (effect instanceof CallEffect.StartStream && call.stream() != null) {
            stream(call, signals, true);
        } else if (effect instanceof CallEffect.StopStream) {
            stopStream(call);
        } else if (effect instanceof CallEffect.CloseMedia) {
            close(key, call.whatsappCallId());
        }
    }

    /**
     * The pool's answer to an offer or answer asked {@code askedNanos} ago as the call's signal; a ready SDP is timed
     * on {@code ready} (the media pool's part of the set-up: the effect handed over until the local SDP, gathered, is
     * ready).
     */
    private CallSignal localSdp(io.micrometer.core.instrument.Timer ready, long askedNanos, String sdp,
                                Throwable failure) {
        if (failure != null) {
            return new CallSignal.MediaRefused(mediaRefusal(failure));
        }
        ready.record(System.nanoTime() - askedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        return new CallSignal.LocalSdpReady(sdp);
    }

    private static io.micrometer.core.instrument.Timer sdpReady(io.micrometer.core.instrument.MeterRegistry registry,
                                                                String kind) {
        return io.micrometer.core.instrument.Timer.builder("callgate.media.sdp.ready").tag("sdp", kind)
                .description("From the media effect handed to the pool to its local SDP (ICE gathered) ready")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    /** A media step's span, under the transition that asked for it. */
    private Span mediaSpan(CallContext call, String name) {
        return tracing.start(name, SpanKind.INTERNAL, TraceParent.context(call.trace()), null, call.callRef(),
                call.whatsappCallId());
    }

    /**
     * Closes a call's media (logging and counting what was heard) and forgets where its reports went. For a
     * CloseMedia effect, and for media held for a call that ended elsewhere ({@link MediaRecovery}).
     */
    void close(String key, String whatsappCallId) {
        media.report(key).ifPresent(report -> {
            LOG.infof("call %s (%s): media closed: %d frames sent, %d received, level %.1f dBFS, dominant %.0f Hz",
                    key, whatsappCallId, report.framesSent(), report.received().frames(),
                    report.received().levelDbfs(), report.received().dominantHz());
            registry.summary("callgate.media.received.frames").record(report.received().frames());
            registry.summary("callgate.media.received.level.dbfs").record(report.received().levelDbfs());
        });
        streams.stop(key);
        calls.remove(key);
        // on a worker thread: closing waits (briefly) for the call's final quality sample from libwebrtc
        vertx.executeBlocking(() -> {
            media.close(key);
            return null;
        }, false).onFailure(e -> LOG.errorf(e, "call %s: media could not be closed", key));
    }

    /**
     * The user picked up (or the call was accepted, or a {@code call.stream.start} came): the call's audio goes to its
     * application. An application that cannot be reached fails the call ({@code stream_unreachable}) when the stream's
     * {@code onClose} is {@code hangup}, else the call goes on, silent; one that closes the stream later hangs the call
     * up, or not, the same way; a native {@code hangup} always hangs up. Each start and stop is an event.
     * {@code replace} (a {@code call.stream.start}): a stream already running ends ({@code replaced}) first.
     */
    void stream(CallContext call, CallSignals signals, boolean replace) {
        dev.callgate.stream.StreamSpec spec = streams.spec(call.stream());
        dev.callgate.stream.StreamCall streamCall = new dev.callgate.stream.StreamCall(call.callRef(),
                call.whatsappCallId(), call.direction().name(), call.phoneNumberId(), call.to(), call.recipient(),
                call.bizOpaqueCallbackData());
        streams.start(call.mediaKey(), streamCall, spec, new dev.callgate.stream.AudioStreams.CallSide() {
            @Override
            public void started(String streamId, dev.callgate.stream.StreamSpec spec) {
                streamEvent(call, signals, dev.callgate.contract.CallEventType.STREAM_STARTED, streamId, spec, null);
            }

            @Override
            public void stopped(String streamId, dev.callgate.stream.StreamSpec spec, String reason) {
                streamEvent(call, signals, dev.callgate.contract.CallEventType.STREAM_STOPPED, streamId, spec, reason);
            }

            @Override
            public void hangUp() {
                signal(call, signals, new CallSignal.HangUp());
            }
        }, replace).whenComplete((ok, failure) -> {
            if (failure == null) {
                return;
            }
            if (spec.onClose() == dev.callgate.stream.StreamSpec.OnClose.HANGUP) {
                signal(call, signals, new CallSignal.MediaFailed("stream_unreachable"));
            } else {
                media.play(call.mediaKey(), MediaOptions.silence());
            }
        });
    }

    /** Ends the call's stream mid-call ({@code call.stream.stop}): the call goes on, silent. */
    void stopStream(CallContext call) {
        streams.stop(call.mediaKey(), dev.callgate.stream.AudioStreams.STOPPED, true);
    }

    /** A stream event for the call's consumers, retried until stored. */
    private void streamEvent(CallContext call, CallSignals signals, dev.callgate.contract.CallEventType type,
                             String streamId, dev.callgate.stream.StreamSpec spec, String reason) {
        com.fasterxml.jackson.databind.node.ObjectNode extra = com.fasterxml.jackson.databind.node.JsonNodeFactory
                .instance.objectNode();
        com.fasterxml.jackson.databind.node.ObjectNode stream = extra.putObject("stream");
        stream.put("streamId", streamId);
        stream.put("url", spec.safeUrl());
        stream.put("protocol", spec.protocol().name().toLowerCase(java.util.Locale.ROOT));
        stream.put("format", spec.format());
        if (reason != null) {
            stream.put("reason", reason);
        }
        onContext(() -> storeRetry.<Void>untilStored("media", call.mediaKey(), type.cloudEventType(),
                () -> signals.event(call.callId(), type, extra)));
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

    // ---- media reports -----------------------------------------------------------------------------------------

    @Override
    public void connected(String callKey) {
        Receiver receiver = calls.get(callKey);
        if (receiver != null) {
            signal(receiver, callKey, new CallSignal.MediaConnected());
        }
    }

    @Override
    public void audioHeard(String callKey) {
        Receiver receiver = calls.get(callKey);
        if (receiver != null) {
            signal(receiver, callKey, new CallSignal.UserAudioHeard());
        }
    }

    @Override
    public void failed(String callKey, String reason) {
        Receiver receiver = calls.get(callKey);
        if (receiver != null) {
            signal(receiver, callKey, new CallSignal.MediaFailed(reason));
        }
    }

    private void signal(CallContext call, CallSignals signals, CallSignal signal) {
        signal(new Receiver(call.callId(), signals), call.callRef(), signal);
    }

    /**
     * What the media says is a signal for its call, retried until it is stored: a media failure lost to a database
     * blip would leave the call live for ever (holding its PeerConnection until max duration).
     */
    private void signal(Receiver receiver, String callKey, CallSignal signal) {
        onContext(() -> storeRetry.<Void>untilStored("media", callKey, signal.getClass().getSimpleName(),
                () -> receiver.signals().signal(receiver.callId(), signal)));
    }

    /** Runs reactive work on a fresh duplicated Vert.x context (Hibernate Reactive needs one), from any thread. */
    void onContext(Supplier<Uni<Void>> work) {
        SafeContext.run(vertx, () -> work.get().subscribe().with(ok -> {
        }, failure -> LOG.errorf(failure, "call signal failed")));
    }
}
