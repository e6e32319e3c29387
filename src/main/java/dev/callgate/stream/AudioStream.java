package dev.callgate.stream;

import dev.callgate.media.AudioBridge;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call's audio streamed to an application over WebSocket, in the spec's protocol ({@link TwilioProtocol},
 * {@link NativeProtocol}): Callgate connects, sends the protocol's opening messages, then the user's audio in 20 ms
 * frames at the stream's rate; the application's audio is played to the user through a {@link PlaybackQueue}, its
 * marks are echoed once the audio before them was played, {@code clear} drops what is queued at once, {@code hangup}
 * (native) asks for the call to end. As an {@link AudioBridge} it sits between the call's media threads and the
 * socket: nothing on the media threads waits for the network — a frame the socket cannot take right away (a slow
 * application) is dropped and counted, and what the application sends beyond the queue's bound is dropped and counted.
 *
 * <p>Threads: {@link #heard} runs on the remote track's sink thread (the only user of the down-sampler and the
 * outgoing buffer), {@link #fill} on the audio module's thread (the queue is thread-safe), the socket's handlers on its
 * Vert.x context (the only user of the up-sampler).
 */
public final class AudioStream implements AudioBridge {

    private static final Logger LOG = Logger.getLogger(AudioStream.class);
    private static final int CALL_RATE = 48_000;
    /** 20 ms at the call's rate: the unit the drop counters count in. */
    private static final double FRAME_48K = CALL_RATE / 50.0;
    /** The most the socket's own write queue holds before frames are dropped (≈ 1 s of 24 kHz PCM). */
    static final int WRITE_QUEUE_BYTES = 48 * 1024;
    /** The longest a closing stream waits for the application to take its last messages. */
    static final long CLOSE_DEADLINE_MILLIS = 2000;

    /** What the call's side learns of the stream. */
    public interface Listener {
        /** The application closed the stream, or the connection broke, while the call was up. */
        void closed(String reason);

        /** The application asked to end the call (native {@code hangup}). */
        void hangupRequested();
    }

    /** Where dropped audio is counted, in 20 ms frames. */
    public record Drops(Counter toApplication, Counter fromApplication) {
    }

    private final Vertx vertx;
    private final StreamSpec spec;
    private final StreamProtocol protocol;
    private final String callRef;
    private final Listener listener;
    private final Drops drops;
    private final PlaybackQueue playback;
    private final int rate;
    private final int ratio;
    private final int chunk;
    private final Resampler down;
    private final Resampler up;
    private final short[] downBuffer;
    private final short[] pending;
    private int pendingCount;
    private short[] upBuffer = new short[CALL_RATE / 10];
    private final AtomicBoolean open = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicLong droppedFrames = new AtomicLong();
    private final AtomicLong droppedPlayback = new AtomicLong();
    private final long startedAt = System.nanoTime();
    private volatile WebSocket socket;
    private WebSocketClient client;

    /** @param maxQueued the longest the application's audio may queue before it is dropped */
    AudioStream(Vertx vertx, StreamSpec spec, StreamProtocol protocol, String callRef, Duration maxQueued,
                Drops drops, Listener listener) {
        this.vertx = vertx;
        this.spec = spec;
        this.protocol = protocol;
        this.callRef = callRef;
        this.listener = listener;
        this.drops = drops;
        this.rate = protocol.sampleRate();
        this.ratio = CALL_RATE / rate;
        this.chunk = rate / 50;
        this.down = Resampler.of(CALL_RATE, rate);
        this.up = Resampler.of(rate, CALL_RATE);
        this.downBuffer = new short[CALL_RATE / 100 / ratio + 1];
        this.pending = new short[chunk];
        this.playback = new PlaybackQueue((int) Math.max(CALL_RATE / 50, maxQueued.toMillis() * CALL_RATE / 1000),
                this::markPlayed);
    }

    /** A stream of the spec's protocol for this call. */
    public static AudioStream of(Vertx vertx, com.fasterxml.jackson.databind.ObjectMapper mapper, StreamSpec spec,
                                 StreamCall call, Duration maxQueued, Drops drops, Listener listener) {
        StreamProtocol protocol = spec.protocol() == StreamSpec.Protocol.NATIVE
                ? new NativeProtocol(mapper, call, spec.parameters(), spec.sampleRate())
                : new TwilioProtocol(mapper, call, spec.parameters());
        return new AudioStream(vertx, spec, protocol, call.callRef(), maxQueued, drops, listener);
    }

    /** The id the application knows the stream by ({@code streamSid} / {@code streamId}). */
    public String streamId() {
        return protocol.streamId();
    }

    /**
     * Connects (with {@code headers} on the upgrade request — never logged) and sends the protocol's opening
     * messages; fails when the application has not taken the upgrade within {@code connectTimeout} (TCP connect and
     * handshake together) — a deadline on the opening only: an open stream has no idle timeout.
     */
    public Future<Void> open(Duration connectTimeout, Map<String, String> headers) {
        client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setConnectTimeout((int) connectTimeout.toMillis()).setSsl(spec.secure())
                .setMaxFrameSize(1 << 20).setMaxMessageSize(4 << 20).setSendBufferSize(32 * 1024)
                .setClosingTimeout(1)); // seconds: a close handshake the application does not answer, then cut
        // no setTimeout on the options: Vert.x applies it to the open WebSocket too, closing a live stream after it
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(spec.url().getHost())
                .setPort(spec.port()).setURI(spec.requestUri()).setSsl(spec.secure());
        headers.forEach(options::addHeader);
        io.vertx.core.Promise<Void> opened = io.vertx.core.Promise.promise();
        long deadline = vertx.setTimer(Math.max(1, connectTimeout.toMillis()), t -> {
            if (opened.tryFail(new java.util.concurrent.TimeoutException("the application did not take the "
                    + "WebSocket upgrade within " + connectTimeout.toMillis() + " ms"))) {
                client.close(); // a handshake still pending is abandoned
            }
        });
        client.connect(options).onComplete(ar -> {
            vertx.cancelTimer(deadline);
            if (ar.failed()) {
                opened.tryFail(ar.cause());
                return;
            }
            WebSocket ws = ar.result();
            if (opened.future().isComplete()) { // too late: the deadline failed the opening
                ws.close();
                return;
            }
            socket = ws;
            ws.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
            ws.textMessageHandler(this::onText);
            ws.binaryMessageHandler(this::onBinary);
            ws.closeHandler(v -> onClosed("the application closed the stream"));
            ws.exceptionHandler(e -> LOG.warnf("call %s: stream to %s: %s", callRef, spec.safeUrl(), e.toString()));
            protocol.opened(ws);
            open.set(true);
            LOG.infof("call %s: streaming to %s (%s, %s, stream %s)", callRef, spec.safeUrl(),
                    spec.protocol().name().toLowerCase(java.util.Locale.ROOT), spec.format(), protocol.streamId());
            opened.tryComplete();
        });
        return opened.future();
    }

    /**
     * Sends the protocol's closing message and closes the socket; the listener is not told (the call's side closed
     * it). An application that does not read (its socket full) is cut after {@link #CLOSE_DEADLINE_MILLIS}.
     */
    public Future<Void> close(String reason) {
        closing.set(true);
        WebSocket ws = socket;
        open.set(false);
        if (ws == null || ws.isClosed()) {
            return client == null ? Future.succeededFuture() : client.close();
        }
        io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
        long deadline = vertx.setTimer(CLOSE_DEADLINE_MILLIS, t -> {
            LOG.infof("call %s: the application did not take the stream's end in time; connection cut (stream %s)",
                    callRef, protocol.streamId());
            client.close(); // the connection closed without waiting for the application to read

            closed.tryComplete();
        });
        protocol.stop(ws, reason).transform(ar -> ws.close()).transform(ar -> client.close())
                .onComplete(ar -> {
                    vertx.cancelTimer(deadline);
                    closed.tryComplete();
                });
        return closed.future();
    }

    /** 20 ms frames of the user's audio dropped because the socket could not take them (a slow application). */
    public long droppedFrames() {
        return droppedFrames.get();
    }

    /** 20 ms frames of the application's audio dropped because its queue was full. */
    public long droppedPlaybackFrames() {
        return droppedPlayback.get();
    }

    @Override
    public void heard(short[] pcm, int samples) {
        if (!open.get()) {
            return;
        }
        int offset = 0;
        int step = (downBuffer.length - 1) * ratio;
        while (offset < samples) {
            int len = Math.min(step, samples - offset);
            int n = down.process(pcm, offset, len, downBuffer, 0);
            offset += len;
            int copied = 0;
            while (copied < n) {
                int take = Math.min(n - copied, chunk - pendingCount);
                System.arraycopy(downBuffer, copied, pending, pendingCount, take);
                pendingCount += take;
                copied += take;
                if (pendingCount == chunk) {
                    send();
                    pendingCount = 0;
                }
            }
        }
    }

    private void send() {
        WebSocket ws = socket;
        try {
            // isClosed first: writeQueueFull throws between the socket closing and its close handler running
            if (ws != null && !ws.isClosed() && !ws.writeQueueFull()) {
                protocol.audio(ws, pending, chunk, (System.nanoTime() - startedAt) / 1_000_000);
                return;
            }
        } catch (IllegalStateException closedMeanwhile) {
            // the socket closed between the check and the write: the frame is lost like any other dropped one
        }
        droppedFrames.incrementAndGet();
        if (drops != null) {
            drops.toApplication().increment();
        }
    }

    @Override
    public void fill(short[] out, int samples) {
        playback.pull(out, 0, samples);
    }

    private void onText(String text) {
        receive(() -> protocol.readText(text));
    }

    private void onBinary(Buffer data) {
        receive(() -> protocol.readBinary(data));
    }

    /** A message the protocol cannot read is logged and ignored; the stream goes on. */
    private void receive(java.util.function.Supplier<StreamMessage> read) {
        StreamMessage message;
        try {
            message = read.get();
        } catch (IllegalArgumentException e) {
            LOG.warnf("call %s: stream message ignored: %s", callRef, e.getMessage());
            return;
        }
        handle(message);
    }

    private void handle(StreamMessage message) {
        if (message instanceof StreamMessage.Audio audio) {
            play(audio.pcm(), audio.samples());
        } else if (message instanceof StreamMessage.Mark mark) {
            playback.mark(mark.name());
        } else if (message instanceof StreamMessage.Clear) {
            playback.clear().forEach(this::markPlayed);
        } else if (message instanceof StreamMessage.Hangup && open.get() && !closing.get()) {
            LOG.infof("call %s: the application asked to hang up (stream %s)", callRef, protocol.streamId());
            listener.hangupRequested();
        }
    }

    /** The application's audio at the stream's rate → 48 kHz into the playback queue. */
    private void play(short[] pcm, int samples) {
        if (upBuffer.length < samples * ratio) {
            upBuffer = new short[samples * ratio];
        }
        int n = up.process(pcm, 0, samples, upBuffer, 0);
        int taken = playback.enqueue(upBuffer, 0, n);
        if (taken < n) {
            long before = droppedPlayback.get();
            long after = (long) ((playback.droppedSamples()) / FRAME_48K);
            droppedPlayback.set(after);
            if (drops != null && after > before) {
                drops.fromApplication().increment(after - before);
            }
        }
    }

    private void markPlayed(String name) {
        WebSocket ws = socket;
        try {
            if (ws != null && !ws.isClosed()) {
                protocol.markPlayed(ws, name);
            }
        } catch (IllegalStateException closedMeanwhile) {
            // runs on the audio thread: a socket closed since the check takes no mark
        }
    }

    private void onClosed(String reason) {
        boolean wasOpen = open.getAndSet(false);
        if (wasOpen && !closing.get()) {
            LOG.infof("call %s: %s (stream %s)", callRef, reason, protocol.streamId());
            listener.closed(reason);
        }
    }

    /** For tests and metrics: what waits to be played, in samples at 48 kHz. */
    int queuedSamples() {
        return playback.queuedSamples();
    }
}
