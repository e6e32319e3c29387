package dev.callgate.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.media.MediaOptions;
import dev.callgate.media.MediaWorkerPool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audio streams of the calls this instance holds the media of: {@link #start} connects a call's stream (the user
 * picked up, or a {@code call.stream.start} came) and bridges it to the call's media; {@link #stop} ends it. What
 * happens when the application closes the stream mid-call is the spec's {@code onClose}: the call side's
 * {@link CallSide#hangUp()} for {@code hangup}; for {@code continue} the call stays up, silent. A native
 * {@code hangup} message hangs up whatever {@code onClose} says. Every start and end is told to the call side
 * ({@link CallSide#started}, {@link CallSide#stopped}) for the call's events.
 */
@ApplicationScoped
public class AudioStreams {

    private static final Logger LOG = Logger.getLogger(AudioStreams.class);

    /** Why a stream ended, as the {@code stream.stopped} event says. */
    public static final String CALL_ENDED = "call_ended";
    public static final String STOPPED = "stopped";
    public static final String APPLICATION_CLOSED = "application_closed";
    public static final String APPLICATION_HANGUP = "application_hangup";
    public static final String UNREACHABLE = "unreachable";
    public static final String REPLACED = "replaced";

    /** What a call learns of its stream. Methods run on an event loop or a media thread: hand over and return. */
    public interface CallSide {
        /** The stream is open and bridged: audio flows both ways. */
        void started(String streamId, StreamSpec spec);

        /** The stream ended ({@code reason}: one of this class's constants). */
        void stopped(String streamId, StreamSpec spec, String reason);

        /** The application asked to end the call (its {@code hangup}, or closing with {@code onClose: hangup}). */
        void hangUp();
    }

    private record Live(AudioStream stream, StreamSpec spec, CallSide side) {
    }

    private final Vertx vertx;
    private final ObjectMapper mapper;
    private final MediaWorkerPool media;
    private final MeterRegistry registry;
    private final Duration connectTimeout;
    private final Duration maxQueued;
    private final Optional<StreamSignature> signature;
    private final AudioStream.Drops drops;
    private final Map<String, Live> streams = new ConcurrentHashMap<>();

    public AudioStreams(Vertx vertx, ObjectMapper mapper, MediaWorkerPool media, MeterRegistry registry,
                        @ConfigProperty(name = "callgate.streams.connect-timeout", defaultValue = "5s")
                        Duration connectTimeout,
                        @ConfigProperty(name = "callgate.streams.max-queued", defaultValue = "30s") Duration maxQueued,
                        @ConfigProperty(name = "callgate.streams.signing-secret") Optional<String> signingSecret) {
        this.vertx = vertx;
        this.mapper = mapper;
        this.media = media;
        this.registry = registry;
        this.connectTimeout = connectTimeout;
        this.maxQueued = maxQueued;
        this.signature = signingSecret.filter(s -> !s.isBlank()).map(StreamSignature::new);
        Gauge.builder("callgate.streams.active", streams, Map::size)
                .description("Calls whose audio is streamed to an application").register(registry);
        this.drops = new AudioStream.Drops(
                Counter.builder("callgate.streams.dropped.frames").tag("direction", "to_application")
                        .description("20 ms frames of the user's audio dropped: the application did not read them "
                                + "fast enough").register(registry),
                Counter.builder("callgate.streams.dropped.frames").tag("direction", "from_application")
                        .description("20 ms frames of the application's audio dropped: more than "
                                + "callgate.streams.max-queued was waiting to be played").register(registry));
    }

    /** The stream spec as a call keeps it (canonical JSON) → the spec. */
    public StreamSpec spec(String json) {
        try {
            return StreamSpec.read(mapper.readTree(json), "stream");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable stream spec: " + e.getMessage(), e);
        }
    }

    /** Whether this call's audio is streamed now. */
    public boolean streaming(String mediaKey) {
        return streams.containsKey(mediaKey);
    }

    /**
     * Connects the call's stream and bridges it to the call's media ({@code mediaKey}). Completes once the audio flows
     * both ways; fails when the application cannot be reached within the connect timeout (then nothing is left open,
     * and the side is told {@code stopped(unreachable)}). A call already streaming keeps its stream, unless
     * {@code replace}: then that stream ends ({@code replaced}) and this one starts.
     */
    public CompletionStage<Void> start(String mediaKey, StreamCall call, StreamSpec spec, CallSide side,
                                       boolean replace) {
        if (streams.containsKey(mediaKey)) {
            if (!replace) {
                return CompletableFuture.completedFuture(null); // already streaming: a repeated start is a no-op
            }
            stop(mediaKey, REPLACED, false);
        }
        String callRef = call.callRef();
        Live[] holder = new Live[1];
        AudioStream stream = AudioStream.of(vertx, mapper, spec, call, maxQueued, drops, new AudioStream.Listener() {
            @Override
            public void closed(String reason) {
                if (!streams.remove(mediaKey, holder[0])) {
                    return;
                }
                registry.counter("callgate.streams.closed", "by", "application").increment();
                side.stopped(holder[0].stream().streamId(), spec, APPLICATION_CLOSED);
                if (spec.onClose() == StreamSpec.OnClose.HANGUP) {
                    LOG.infof("call %s: the application closed its stream; hanging up (onClose hangup)", callRef);
                    side.hangUp();
                } else {
                    LOG.infof("call %s: the application closed its stream; the call goes on (onClose continue)",
                            callRef);
                    media.unbridge(mediaKey, MediaOptions.silence());
                }
            }

            @Override
            public void hangupRequested() {
                side.hangUp();
            }
        });
        Live live = new Live(stream, spec, side);
        holder[0] = live;
        Map<String, String> headers = new HashMap<>(spec.headers());
        signature.ifPresent(s -> headers.put(StreamSignature.HEADER,
                s.sign(spec.url().toString(), Instant.now().getEpochSecond())));
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (streams.putIfAbsent(mediaKey, live) != null) {
            return CompletableFuture.completedFuture(null);
        }
        stream.open(connectTimeout, headers).onComplete(ar -> {
            if (ar.failed()) {
                if (!streams.remove(mediaKey, live)) { // stopped while connecting: the side was told then
                    done.complete(null);
                    return;
                }
                registry.counter("callgate.streams.started", "result", "unreachable").increment();
                LOG.warnf("call %s: stream to %s could not be opened: %s", callRef, spec.safeUrl(),
                        ar.cause().toString());
                stream.close(UNREACHABLE);
                side.stopped(stream.streamId(), spec, UNREACHABLE);
                done.completeExceptionally(ar.cause());
                return;
            }
            if (streams.get(mediaKey) != live) { // stopped while connecting
                stream.close(STOPPED);
                done.complete(null);
                return;
            }
            media.bridge(mediaKey, stream).whenComplete((ok, failure) -> {
                if (failure != null) {
                    streams.remove(mediaKey, live);
                    stream.close(CALL_ENDED);
                    done.completeExceptionally(failure);
                } else {
                    registry.counter("callgate.streams.started", "result", "streaming").increment();
                    side.started(stream.streamId(), spec);
                    done.complete(null);
                }
            });
        });
        return done;
    }

    /**
     * Ends a call's stream, if it has one: the protocol's closing message ({@code reason}), the socket closed, the side
     * told. {@code continueSilent}: the call goes on (a {@code call.stream.stop}), silent. Idempotent.
     */
    public void stop(String mediaKey, String reason, boolean continueSilent) {
        Live live = streams.remove(mediaKey);
        if (live == null) {
            return;
        }
        AudioStream stream = live.stream();
        registry.counter("callgate.streams.closed", "by", "call").increment();
        if (continueSilent) {
            media.unbridge(mediaKey, MediaOptions.silence());
        }
        Future<Void> closed = stream.close(reason);
        closed.onComplete(ar -> live.side().stopped(stream.streamId(), live.spec(), reason));
        if (stream.droppedFrames() > 0 || stream.droppedPlaybackFrames() > 0) {
            LOG.warnf("call %s: stream dropped %d frames to the application, %d frames from it",
                    mediaKey, stream.droppedFrames(), stream.droppedPlaybackFrames());
        }
    }

    /** As {@link #stop(String, String, boolean)} when the call ended. */
    public void stop(String mediaKey) {
        stop(mediaKey, CALL_ENDED, false);
    }
}
