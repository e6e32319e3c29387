package dev.callgate.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.media.MediaWorkerPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audio streams of the calls this instance holds the media of: {@link #start} connects a call's stream once the
 * user picked up and bridges it to the call's media; {@link #stop} ends it (the call ended). What happens when the
 * application closes the stream mid-call is the spec's {@code onClose}: the caller's {@code hangUp} runs for
 * {@code hangup}; for {@code continue} the call stays up, silent.
 */
@ApplicationScoped
public class AudioStreams {

    private static final Logger LOG = Logger.getLogger(AudioStreams.class);

    private final Vertx vertx;
    private final ObjectMapper mapper;
    private final MediaWorkerPool media;
    private final MeterRegistry registry;
    private final Duration connectTimeout;
    private final Duration maxQueued;
    private final Map<String, AudioStream> streams = new ConcurrentHashMap<>();

    public AudioStreams(Vertx vertx, ObjectMapper mapper, MediaWorkerPool media, MeterRegistry registry,
                        @ConfigProperty(name = "callgate.streams.connect-timeout", defaultValue = "5s")
                        Duration connectTimeout,
                        @ConfigProperty(name = "callgate.streams.max-queued", defaultValue = "30s") Duration maxQueued) {
        this.vertx = vertx;
        this.mapper = mapper;
        this.media = media;
        this.registry = registry;
        this.connectTimeout = connectTimeout;
        this.maxQueued = maxQueued;
        io.micrometer.core.instrument.Gauge.builder("callgate.streams.active", streams, Map::size)
                .description("Calls whose audio is streamed to an application").register(registry);
    }

    /** The stream spec as a command gave it (validated JSON) → the spec. */
    public StreamSpec spec(String json) {
        try {
            JsonNode node = mapper.readTree(json);
            Map<String, String> parameters = new HashMap<>();
            node.path("parameters").fields().forEachRemaining(f -> parameters.put(f.getKey(), f.getValue().asText()));
            return new StreamSpec(new URI(node.path("url").asText()), parameters,
                    "continue".equals(node.path("onClose").asText()) ? StreamSpec.OnClose.CONTINUE
                            : StreamSpec.OnClose.HANGUP);
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new IllegalArgumentException("unreadable stream spec: " + e.getMessage(), e);
        }
    }

    /**
     * Connects the call's stream and bridges it to the call's media ({@code mediaKey}). Completes once the audio flows
     * both ways; fails when the application cannot be reached within the connect timeout (then nothing is left open).
     *
     * @param hangUp run when the application closes the stream and the spec says {@code hangup}
     */
    public CompletionStage<Void> start(String mediaKey, String callRef, String phoneNumberId, StreamSpec spec,
                                       Runnable hangUp) {
        if (streams.containsKey(mediaKey)) {
            return CompletableFuture.completedFuture(null); // already streaming: a repeated start is a no-op
        }
        AudioStream stream = new AudioStream(vertx, mapper, spec, callRef, phoneNumberId, maxQueued, reason -> {
            streams.remove(mediaKey);
            registry.counter("callgate.streams.closed", "by", "application").increment();
            if (spec.onClose() == StreamSpec.OnClose.HANGUP) {
                LOG.infof("call %s: the application closed its stream; hanging up (onClose hangup)", callRef);
                hangUp.run();
            } else {
                LOG.infof("call %s: the application closed its stream; the call goes on (onClose continue)", callRef);
                media.unbridge(mediaKey, dev.callgate.media.MediaOptions.silence());
            }
        });
        Future<Void> opened = stream.open(connectTimeout, Map.of());
        CompletableFuture<Void> done = new CompletableFuture<>();
        opened.onComplete(ar -> {
            if (ar.failed()) {
                registry.counter("callgate.streams.started", "result", "unreachable").increment();
                LOG.warnf("call %s: stream to %s could not be opened: %s", callRef, spec.safeUrl(),
                        ar.cause().toString());
                stream.close();
                done.completeExceptionally(ar.cause());
                return;
            }
            streams.put(mediaKey, stream);
            media.bridge(mediaKey, stream).whenComplete((ok, failure) -> {
                if (failure != null) {
                    streams.remove(mediaKey);
                    stream.close();
                    done.completeExceptionally(failure);
                } else {
                    registry.counter("callgate.streams.started", "result", "streaming").increment();
                    done.complete(null);
                }
            });
        });
        return done;
    }

    /** Ends a call's stream ({@code stop} to the application), if it has one. Idempotent. */
    public void stop(String mediaKey) {
        AudioStream stream = streams.remove(mediaKey);
        if (stream != null) {
            registry.counter("callgate.streams.closed", "by", "call").increment();
            stream.close();
            if (stream.droppedFrames() > 0 || stream.droppedPlaybackSamples() > 0) {
                LOG.warnf("call %s: stream dropped %d frames to the application, %d samples from it",
                        mediaKey, stream.droppedFrames(), stream.droppedPlaybackSamples());
            }
        }
    }
}
