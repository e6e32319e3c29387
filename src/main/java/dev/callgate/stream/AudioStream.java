package dev.callgate.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.media.AudioBridge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call's audio streamed to an application over WebSocket in Twilio's Media Streams protocol
 * ({@link TwilioMessages}): Callgate connects, sends {@code connected} and {@code start}, then the user's audio as
 * μ-law 8000 Hz {@code media} messages of 20 ms; the application's {@code media} is played to the user through a
 * {@link PlaybackQueue}, its {@code mark}s are echoed once the audio before them was played, {@code clear} drops what
 * is queued at once. As an {@link AudioBridge} it sits between the call's media threads and the socket: nothing on the
 * media threads waits for the network — a frame the socket cannot take right away is dropped and counted.
 *
 * <p>Threads: {@link #heard} runs on the remote track's sink thread (the only user of the down-sampler and the
 * outgoing buffer), {@link #fill} on the audio module's thread (the queue is thread-safe), the socket's handlers on its
 * Vert.x context (the only user of the up-sampler).
 */
public final class AudioStream implements AudioBridge {

    private static final Logger LOG = Logger.getLogger(AudioStream.class);
    /** 20 ms of μ-law at 8 kHz: what each {@code media} message carries, as Twilio sends it. */
    static final int CHUNK = 160;
    private static final int CALL_RATE = 48_000;
    private static final int STREAM_RATE = 8_000;

    /** What the call's side learns of the stream. */
    public interface Listener {
        /** The application closed the stream, or the connection broke, while the call was up. */
        void closed(String reason);
    }

    private final Vertx vertx;
    private final ObjectMapper mapper;
    private final StreamSpec spec;
    private final String callRef;
    private final TwilioMessages messages;
    private final Listener listener;
    private final PlaybackQueue playback;
    private final Resampler down = Resampler.of(CALL_RATE, STREAM_RATE);
    private final Resampler up = Resampler.of(STREAM_RATE, CALL_RATE);
    private final short[] down8k = new short[CALL_RATE / 100];
    private final short[] pending = new short[CHUNK * 4];
    private int pendingCount;
    private final byte[] mulaw = new byte[CHUNK];
    private short[] decoded = new short[CHUNK];
    private short[] up48k = new short[CHUNK * 6];
    private final AtomicBoolean open = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicLong droppedFrames = new AtomicLong();
    private final long startedAt = System.nanoTime();
    private volatile WebSocket socket;
    private WebSocketClient client;

    /**
     * @param accountSid the business number's id ({@code start.accountSid})
     * @param maxQueued  the longest the application's audio may queue before it is dropped
     */
    public AudioStream(Vertx vertx, ObjectMapper mapper, StreamSpec spec, String callRef, String accountSid,
                       Duration maxQueued, Listener listener) {
        this.vertx = vertx;
        this.mapper = mapper;
        this.spec = spec;
        this.callRef = callRef;
        this.listener = listener;
        this.messages = new TwilioMessages(mapper, TwilioMessages.newStreamSid(), callRef, accountSid);
        this.playback = new PlaybackQueue((int) Math.max(CALL_RATE / 50, maxQueued.toMillis() * CALL_RATE / 1000),
                this::markPlayed);
    }

    public String streamSid() {
        return messages.streamSid();
    }

    /** Connects and sends {@code connected} and {@code start}; fails when the application cannot be reached in time. */
    public Future<Void> open(Duration connectTimeout, Map<String, String> headers) {
        client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setConnectTimeout((int) connectTimeout.toMillis()).setSsl(spec.secure())
                .setMaxFrameSize(1 << 20).setMaxMessageSize(4 << 20));
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(spec.url().getHost())
                .setPort(spec.port()).setURI(spec.requestUri()).setSsl(spec.secure())
                .setTimeout(connectTimeout.toMillis());
        headers.forEach(options::addHeader);
        return client.connect(options).map(ws -> {
            socket = ws;
            ws.textMessageHandler(this::onMessage);
            ws.closeHandler(v -> onClosed("the application closed the stream"));
            ws.exceptionHandler(e -> LOG.warnf("call %s: stream to %s: %s", callRef, spec.safeUrl(), e.toString()));
            ws.writeTextMessage(messages.connected());
            ws.writeTextMessage(messages.start(List.of("inbound"), spec.parameters()));
            open.set(true);
            LOG.infof("call %s: streaming to %s (stream %s)", callRef, spec.safeUrl(), messages.streamSid());
            return (Void) null;
        });
    }

    /** Sends {@code stop} and closes the socket; the listener is not told (the call's side closed it). */
    public Future<Void> close() {
        closing.set(true);
        WebSocket ws = socket;
        open.set(false);
        if (ws == null || ws.isClosed()) {
            return client == null ? Future.succeededFuture() : client.close();
        }
        return ws.writeTextMessage(messages.stop()).transform(ar -> ws.close())
                .transform(ar -> client.close()).recover(e -> Future.succeededFuture());
    }

    /** Frames of the user's audio dropped because the socket could not take them. */
    public long droppedFrames() {
        return droppedFrames.get();
    }

    /** Samples of the application's audio dropped because its queue was full. */
    public long droppedPlaybackSamples() {
        return playback.droppedSamples();
    }

    @Override
    public void heard(short[] pcm, int samples) {
        if (!open.get()) {
            return;
        }
        int offset = 0;
        while (offset < samples) {
            int len = Math.min(down8k.length * (CALL_RATE / STREAM_RATE), samples - offset);
            int n = down.process(pcm, offset, len, down8k, 0);
            offset += len;
            int copied = 0;
            while (copied < n) {
                int take = Math.min(n - copied, CHUNK - pendingCount);
                System.arraycopy(down8k, copied, pending, pendingCount, take);
                pendingCount += take;
                copied += take;
                if (pendingCount == CHUNK) {
                    send();
                    pendingCount = 0;
                }
            }
        }
    }

    private void send() {
        WebSocket ws = socket;
        if (ws == null || ws.writeQueueFull()) {
            droppedFrames.incrementAndGet();
            return;
        }
        MuLaw.encode(pending, 0, CHUNK, mulaw, 0);
        long timestamp = (System.nanoTime() - startedAt) / 1_000_000;
        ws.writeTextMessage(messages.media("inbound", mulaw, 0, CHUNK, timestamp));
    }

    @Override
    public void fill(short[] out, int samples) {
        playback.pull(out, 0, samples);
    }

    private void onMessage(String text) {
        TwilioMessages.Inbound message;
        try {
            message = TwilioMessages.read(mapper, text);
        } catch (IllegalArgumentException e) {
            LOG.warnf("call %s: stream message ignored: %s", callRef, e.getMessage());
            return;
        }
        if (message instanceof TwilioMessages.Media media) {
            play(media.mulaw());
        } else if (message instanceof TwilioMessages.Mark mark) {
            playback.mark(mark.name());
        } else if (message instanceof TwilioMessages.Clear) {
            playback.clear().forEach(this::markPlayed);
        }
    }

    /** μ-law 8 kHz from the application → 48 kHz into the playback queue. */
    private void play(byte[] audio) {
        if (decoded.length < audio.length) {
            decoded = new short[audio.length];
            up48k = new short[audio.length * (CALL_RATE / STREAM_RATE)];
        }
        MuLaw.decode(audio, 0, audio.length, decoded, 0);
        int n = up.process(decoded, 0, audio.length, up48k, 0);
        playback.enqueue(up48k, 0, n);
    }

    private void markPlayed(String name) {
        WebSocket ws = socket;
        if (ws != null && !ws.isClosed()) {
            ws.writeTextMessage(messages.mark(name));
        }
    }

    private void onClosed(String reason) {
        boolean wasOpen = open.getAndSet(false);
        if (wasOpen && !closing.get()) {
            LOG.infof("call %s: %s (stream %s)", callRef, reason, messages.streamSid());
            listener.closed(reason);
        }
    }

    /** For tests and metrics: what waits to be played, in samples at 48 kHz. */
    int queuedSamples() {
        return playback.queuedSamples();
    }
}
