package dev.callgate.media;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceServer;

/**
 * The bounded pool of call media: one PeerConnection per call, which sends the call's own audio (tone, WAV prompt or
 * silence — RTP flows in every case) and decodes what it receives (measured, optionally recorded).
 *
 * <p>Each call borrows a {@link MediaSlot} (one headless audio module and PeerConnectionFactory, one call at a time);
 * slots are created lazily up to {@link MediaConfig#maxCalls()} and reused for later calls, because webrtc-java 0.14.0
 * leaves native threads behind for every disposed factory. A call beyond capacity is refused at once with
 * {@link MediaCapacityException}, never queued.
 *
 * <p>Thread model: callers may be any thread; native work and listener callbacks run on the pool's own
 * {@code callgate-media-worker} threads, never on a native WebRTC thread. {@link #close} runs on the caller's thread;
 * for a connected call it first waits up to {@code callgate.media.quality-final-timeout} for the call's final quality
 * sample ({@link CallQuality}, sampled every {@code callgate.media.quality-interval} while the call is up).
 */
@ApplicationScoped
public class MediaWorkerPool {

    private static final Logger LOG = Logger.getLogger(MediaWorkerPool.class);
    /**
     * The other side's audio counts as heard above this level (silence and WhatsApp's comfort noise stay far below;
     * a voice or a tone is well above) ...
     */
    public static final double USER_AUDIO_THRESHOLD_DBFS = -45;
    /** ... for at least this long without a break. */
    public static final int USER_AUDIO_MIN_MILLIS = 100;
    private static final long DRAIN_INTERVAL_MILLIS = 100;

    private final MediaConfig config;
    private final int capacity;
    /** {@link MediaConfig#gatherSettle()} in ms; 0 with STUN or TURN servers (their candidates come later). */
    private final long settleMillis;
    private final ScheduledThreadPoolExecutor executor;
    private volatile boolean draining;
    private final Map<String, MediaCall> calls = new ConcurrentHashMap<>();
    /** Guards admission (capacity), {@link #idle} and {@link #slots}. */
    private final Object admission = new Object();
    private final Deque<MediaSlot> idle = new ArrayDeque<>();
    private final List<MediaSlot> slots = new ArrayList<>();
    private final AtomicInteger slotsOpened = new AtomicInteger();
    /** The shared back-end ({@code callgate.media.shared-factory}), created with the first call; guarded by admission. */
    private SharedMedia shared;
    private volatile MediaListener listener = MediaListener.NONE;
    private volatile QualityListener qualityListener = QualityListener.NONE;
    /** Stats requests libwebrtc did not answer within {@link MediaConfig#qualityTimeout()}. */
    private final java.util.concurrent.atomic.AtomicLong statsStalls = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean shutdown;

    public MediaWorkerPool(MediaConfig config) {
        this.config = config;
        this.capacity = config.maxCalls();
        this.settleMillis = config.iceServers().orElse(List.of()).isEmpty() ? config.gatherSettle().toMillis() : 0;
        if (capacity < 1) {
            throw new IllegalArgumentException("callgate.media.max-calls must be >= 1: " + capacity);
        }
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(Math.max(1, config.workerThreads()), r -> {
            Thread t = new Thread(r, "callgate-media-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        executor.scheduleWithFixedDelay(this::drainRecordings, DRAIN_INTERVAL_MILLIS, DRAIN_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
        executor.scheduleWithFixedDelay(this::deleteOldRecordings, 1, 60, TimeUnit.MINUTES);
        long quality = config.qualityInterval().toMillis();
        if (quality > 0) {
            executor.scheduleWithFixedDelay(this::sampleQuality, quality, quality, TimeUnit.MILLISECONDS);
        }
    }

    public void setListener(MediaListener listener) {
        this.listener = listener == null ? MediaListener.NONE : listener;
    }

    /** Where the calls' quality samples go ({@link CallQuality}). */
    public void setQualityListener(QualityListener listener) {
        this.qualityListener = listener == null ? QualityListener.NONE : listener;
    }

    /** The latest quality sample of a call held here, if one was taken. */
    public Optional<CallQuality> quality(String callKey) {
        MediaCall call = callKey == null ? null : calls.get(callKey);
        return call == null ? Optional.empty() : Optional.ofNullable(call.quality());
    }

    /** Stats requests libwebrtc left unanswered past {@code callgate.media.quality-timeout} (a stall), so far. */
    public long statsStalls() {
        return statsStalls.get();
    }

    /**
     * Business-initiated: a new PeerConnection (we offer, ICE-controlling), full ICE gathering; the offer SDP. For a
     * call key already present, the existing call's SDP.
     */
    public CompletionStage<String> createOffer(String callKey, MediaOptions options) {
        return start(callKey, options, null);
    }

    /** User-initiated: a new PeerConnection for the remote offer; our answer SDP after full gathering. */
    public CompletionStage<String> createAnswer(String callKey, String remoteOfferSdp, MediaOptions options) {
        if (remoteOfferSdp == null || remoteOfferSdp.isBlank()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("remote offer SDP is empty"));
        }
        return start(callKey, options, remoteOfferSdp);
    }

    /** Applies the remote answer (business-initiated). Idempotent for the same SDP; a different one fails. */
    public CompletionStage<Void> applyAnswer(String callKey, String remoteAnswerSdp) {
        MediaCall call = calls.get(callKey);
        if (call == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no media for call " + callKey));
        }
        if (remoteAnswerSdp == null || remoteAnswerSdp.isBlank()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("remote answer SDP is empty"));
        }
        return call.applyAnswer(remoteAnswerSdp).copy()
                .orTimeout(config.setupTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Switches what an open call sends to the tone, prompt or silence of {@code options} (its recording setting is
     * fixed when the call is created). Fails when the call is not held here.
     */
    public CompletionStage<Void> play(String callKey, MediaOptions options) {
        MediaCall call = calls.get(callKey);
        if (call == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no media for call " + callKey));
        }
        return CompletableFuture.runAsync(() -> {
            try {
                if (!call.play(source(options))) {
                    throw new IllegalStateException("call " + callKey + " is closed or not set up yet");
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, executor);
    }

    /**
     * Connects an open call's audio to {@code bridge}: the user's audio goes to it (besides the meter and the
     * recording) and what it supplies is what the user hears, until {@link #unbridge}. RTP held back so far starts
     * flowing. Fails when the call is not held here.
     */
    public CompletionStage<Void> bridge(String callKey, AudioBridge bridge) {
        MediaCall call = calls.get(callKey);
        if (call == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no media for call " + callKey));
        }
        return CompletableFuture.runAsync(() -> {
            if (!call.play(FrameSource.bridged(bridge))) {
                throw new IllegalStateException("call " + callKey + " is closed or not set up yet");
            }
            call.listen(bridge);
        }, executor);
    }

    /** Disconnects a call's bridge: the user hears {@code options} (a tone, a prompt, silence) again. */
    public CompletionStage<Void> unbridge(String callKey, MediaOptions options) {
        MediaCall call = calls.get(callKey);
        if (call != null) {
            call.listen(null);
        }
        return play(callKey, options);
    }

    /**
     * Releases everything of the call; a recording is finalised. A connected call's final quality sample is taken
     * first (waiting at most {@code callgate.media.quality-final-timeout}). Idempotent, never throws.
     */
    public void close(String callKey) {
        if (callKey == null) {
            return;
        }
        MediaCall call = calls.remove(callKey);
        if (call != null) {
            finalSample(call);
            release(call);
        }
    }

    /** From now on new calls are refused ({@link MediaDrainingException}); the calls held go on. */
    public void drain() {
        draining = true;
    }

    public int activeCalls() {
        return calls.size();
    }

    /** Whether this pool refuses new calls because the instance is shutting down. */
    public boolean draining() {
        return draining;
    }

    /** The keys of the calls whose media this instance holds now. */
    public java.util.List<String> callKeys() {
        return java.util.List.copyOf(calls.keySet());
    }

    public int capacity() {
        return capacity;
    }

    /** Slots (audio module + factory) created so far: at most {@link #capacity()} when slots are reused. */
    int slotsOpened() {
        return slotsOpened.get();
    }

    public Optional<MediaReport> report(String callKey) {
        MediaCall call = callKey == null ? null : calls.get(callKey);
        if (call == null) {
            return Optional.empty();
        }
        return Optional.of(new MediaReport(call.key, call.state(), call.framesSent(), call.received(),
                call.recordingPath()));
    }

    /** Closes every call and releases every slot, so a JVM that ran calls exits cleanly. */
    @PreDestroy
    public void shutdown() {
        shutdown = true;
        for (String key : new ArrayList<>(calls.keySet())) {
            close(key);
        }
        List<MediaSlot> all;
        synchronized (admission) {
            all = new ArrayList<>(slots);
            slots.clear();
            idle.clear();
        }
        for (MediaSlot slot : all) {
            slot.dispose();
        }
        SharedMedia media;
        synchronized (admission) {
            media = shared;
            shared = null;
        }
        if (media != null) {
            media.dispose();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
        LOG.debugf("media pool shut down (%d slots released)", all.size());
    }

    // --- internals -------------------------------------------------------------------------------------------

    private CompletionStage<String> start(String callKey, MediaOptions options, String remoteOffer) {
        if (callKey == null || callKey.isBlank()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("call key must not be blank"));
        }
        MediaOptions opts = options == null ? MediaOptions.silence() : options;
        MediaCall call;
        synchronized (admission) {
            if (shutdown) {
                return CompletableFuture.failedFuture(new IllegalStateException("media pool is shut down"));
            }
            MediaCall existing = calls.get(callKey);
            if (existing != null) {
                return existing.localSdp.copy().thenApply(this::announced);
            }
            if (draining) {
                return CompletableFuture.failedFuture(new MediaDrainingException(callKey));
            }
            if (calls.size() >= capacity) {
                return CompletableFuture.failedFuture(new MediaCapacityException(callKey, capacity));
            }
            call = new MediaCall(callKey, opts, executor, new Events(), config.disconnectedTimeout().toMillis(),
                    settleMillis);
            calls.put(callKey, call);
        }
        try {
            executor.execute(() -> setUp(call, remoteOffer));
        } catch (RejectedExecutionException e) {
            calls.remove(callKey, call);
            return CompletableFuture.failedFuture(new IllegalStateException("media pool is shut down"));
        }
        long timeout = config.setupTimeout().toMillis();
        ScheduledFuture<?> timer = executor.schedule(() -> {
            if (call.localSdp.completeExceptionally(new TimeoutException(
                    "media setup of call " + callKey + " took longer than " + timeout + " ms"))) {
                close(call);
            }
        }, timeout, TimeUnit.MILLISECONDS);
        call.localSdp.whenComplete((sdp, error) -> {
            timer.cancel(false);
            if (error != null && !call.isClosed()) {
                LOG.warnf("call %s: media setup failed: %s", callKey, error.toString());
                try {
                    executor.execute(() -> close(call));
                } catch (RejectedExecutionException e) {
                    close(call);
                }
            }
        });
        return call.localSdp.copy().thenApply(this::announced);
    }

    /** Pool thread: prepares the source and recorder, borrows a slot, opens the call, starts offer or answer. */
    private void setUp(MediaCall call, String remoteOffer) {
        WavRecorder recorder = null;
        try {
            FrameSource source = source(call.options);
            if (call.options.record()) {
                recorder = openRecorder(call.key);
            }
            boolean opened;
            if (config.sharedFactory()) {
                opened = call.openShared(sharedMedia(), source, recorder, rtcConfiguration());
            } else {
                MediaSlot slot = borrowSlot();
                opened = call.open(slot, source, recorder, rtcConfiguration());
                if (!opened) {
                    giveBack(slot, true);
                }
            }
            if (!opened) {
                if (recorder != null) {
                    recorder.close();
                }
                return; // closed meanwhile
            }
            if (remoteOffer == null) {
                call.startOffer();
            } else {
                call.startAnswer(remoteOffer);
            }
        } catch (Throwable t) {
            // Whatever was attached is released by the call's teardown (open() sets the slot before anything can
            // fail); a slot borrowed for a call that was already closed went back above.
            call.localSdp.completeExceptionally(t);
            if (recorder != null && call.recorder() == null) {
                recorder.close();
            }
            close(call);
        }
    }

    private FrameSource source(MediaOptions options) throws IOException {
        if (options.toneHz() > 0) {
            return FrameSource.tone(options.toneHz(), config.toneLevelDbfs());
        }
        if (options.promptWav() != null) {
            return new PromptSource(WavFiles.load48kMono(options.promptWav()), options.loop());
        }
        return FrameSource.SILENCE;
    }

    private WavRecorder openRecorder(String callKey) throws IOException {
        Path dir = Path.of(config.recordingDirectory());
        Files.createDirectories(dir);
        return new WavRecorder(dir.resolve(recordingFileName(callKey)), config.recordingQueueFrames(),
                config.recordingMaxDuration());
    }

    /**
     * Why this WAV cannot be played as a prompt (missing, unreadable, not 16-bit PCM mono/stereo), or empty when it
     * can; the message names the prompt as {@code name}, never the server path. A playable prompt is cached for the
     * call that will play it.
     */
    public java.util.Optional<String> promptProblem(Path wav, String name) {
        if (!Files.isRegularFile(wav)) {
            return java.util.Optional.of(name + " does not exist");
        }
        if (!Files.isReadable(wav)) {
            return java.util.Optional.of(name + " cannot be read");
        }
        try {
            WavFiles.load48kMono(wav);
            return java.util.Optional.empty();
        } catch (IOException | RuntimeException e) {
            String why = String.valueOf(e.getMessage()).replace(wav.toAbsolutePath().normalize().toString(), name)
                    .replace(wav.toString(), name);
            return java.util.Optional.of(why.startsWith(name) ? why : name + ": " + why);
        }
    }

    /**
     * Deletes the WAV files in the recording directory older than {@code callgate.media.recording-retention}; returns
     * how many. Files of live calls are younger than any sensible retention (they are written to until the end).
     */
    public int deleteOldRecordings() {
        Path dir = Path.of(config.recordingDirectory());
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        java.time.Instant cutoff = java.time.Instant.now().minus(config.recordingRetention());
        int deleted = 0;
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.getFileName().toString().endsWith(".wav"))::iterator) {
                try {
                    if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff) && Files.deleteIfExists(file)) {
                        deleted++;
                    }
                } catch (IOException e) {
                    LOG.warnf("recording %s could not be deleted: %s", file.getFileName(), e.getMessage());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("recordings older than %s could not be listed: %s", config.recordingRetention(), e.getMessage());
        }
        if (deleted > 0) {
            LOG.infof("deleted %d recording(s) older than %s", deleted, config.recordingRetention());
        }
        return deleted;
    }

    /** Where the recording of the call with this key is (or will be) written. */
    public Path recordingPath(String callKey) {
        return Path.of(config.recordingDirectory()).resolve(recordingFileName(callKey)).toAbsolutePath();
    }

    /**
     * File name for a call's recording: the key with anything but letters, digits, '.', '_' and '-' replaced (at most
     * 120 characters of it), then a hash of the exact key, so keys that differ only in replaced characters
     * ({@code wacid.a+b} and {@code wacid.a/b}, {@code rec:1} and {@code rec@1}) never share a file.
     */
    static String recordingFileName(String callKey) {
        String safe = callKey.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.startsWith(".")) {
            safe = "_" + safe.substring(1);
        }
        if (safe.length() > 120) {
            safe = safe.substring(0, 120);
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(callKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return safe + "-" + java.util.HexFormat.of().formatHex(digest, 0, 6) + ".wav";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private String announced(String sdp) {
        return config.publicIp().map(ip -> Candidates.announce(sdp, ip)).orElse(sdp);
    }

    private RTCConfiguration rtcConfiguration() {
        RTCConfiguration rtc = new RTCConfiguration();
        List<String> urls = config.iceServers().orElse(List.of());
        if (!urls.isEmpty()) {
            RTCIceServer server = new RTCIceServer();
            server.urls = new ArrayList<>(urls);
            config.iceUsername().ifPresent(u -> server.username = u);
            config.icePassword().ifPresent(p -> server.password = p);
            rtc.iceServers = new ArrayList<>(List.of(server));
        }
        if (config.udpPortMin() > 0 || config.udpPortMax() > 0) {
            rtc.portAllocatorConfig = new PortAllocatorConfig(config.udpPortMin(), config.udpPortMax(), 0);
        }
        return rtc;
    }

    /** The shared back-end, created on first use (the module and factory live until shutdown). */
    SharedMedia sharedMedia() {
        synchronized (admission) {
            if (shutdown) {
                throw new IllegalStateException("media pool is shut down");
            }
            if (shared == null) {
                shared = SharedMedia.open();
            }
            return shared;
        }
    }

    /** The shared back-end if one was created, else null (tests). */
    SharedMedia sharedMediaIfOpen() {
        synchronized (admission) {
            return shared;
        }
    }

    private MediaSlot borrowSlot() {
        if (config.reuseSlots()) {
            synchronized (admission) {
                MediaSlot slot = idle.pollFirst();
                if (slot != null) {
                    return slot;
                }
            }
        }
        MediaSlot slot = MediaSlot.open();
        slotsOpened.incrementAndGet();
        synchronized (admission) {
            slots.add(slot);
        }
        return slot;
    }

    /** Returns a slot for the next call, or disposes it (no reuse configured, an unclean teardown, shutdown). */
    private void giveBack(MediaSlot slot, boolean clean) {
        boolean keep;
        synchronized (admission) {
            keep = clean && config.reuseSlots() && !shutdown && !slot.disposed();
            if (keep) {
                idle.addFirst(slot);
            } else {
                slots.remove(slot);
            }
        }
        if (!keep) {
            slot.dispose();
        }
    }

    private void release(MediaCall call) {
        MediaCall.TeardownResult result = call.close();
        if (result.slot() != null) {
            giveBack(result.slot(), result.clean());
        }
    }

    /** Removes the call if it is still the registered one for its key, then releases it. */
    private void close(MediaCall call) {
        calls.remove(call.key, call);
        release(call);
    }

    /**
     * Pool thread, every {@code callgate.media.quality-interval}: asks each connected call for its stats; the answer
     * becomes a sample on a pool thread. Never waits: an answer later than {@code quality-timeout} is given up (and
     * counted), and while it is owed the call is not asked again.
     */
    private void sampleQuality() {
        long timeout = config.qualityTimeout().toMillis();
        for (MediaCall call : calls.values()) {
            if (!call.wasConnected() || call.isClosed()) {
                continue;
            }
            CompletableFuture<MediaCall.Stats> owed;
            try {
                owed = call.requestStats();
            } catch (Throwable t) {
                LOG.warnf(t, "call %s: stats could not be requested", call.key);
                continue;
            }
            if (owed == null) {
                continue;
            }
            owed.copy().orTimeout(timeout, TimeUnit.MILLISECONDS).whenCompleteAsync((stats, error) -> {
                if (error != null) {
                    if (error instanceof TimeoutException) {
                        statsStalls.incrementAndGet();
                        call.statsStalled(timeout);
                    } else {
                        LOG.debugf("call %s: no stats: %s", call.key, error);
                    }
                    return;
                }
                if (!call.isClosed()) {
                    deliver(call, stats, false);
                }
            }, executor);
        }
    }

    /**
     * The caller's thread, before a connected call's natives are released: its final quality sample, waiting at most
     * {@code callgate.media.quality-final-timeout} for libwebrtc's answer. Not at shutdown (every call at once).
     */
    private void finalSample(MediaCall call) {
        long wait = config.qualityFinalTimeout().toMillis();
        if (shutdown || wait <= 0 || config.qualityInterval().isZero() || !call.wasConnected()) {
            return;
        }
        try {
            CompletableFuture<MediaCall.Stats> owed = call.requestStats();
            if (owed != null) {
                deliver(call, owed.get(wait, TimeUnit.MILLISECONDS), true);
            }
        } catch (TimeoutException e) {
            statsStalls.incrementAndGet();
            LOG.debugf("call %s: no final quality sample within %d ms; the last periodic one stands", call.key, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.debugf("call %s: no final quality sample: %s", call.key, t);
        }
    }

    private void deliver(MediaCall call, MediaCall.Stats stats, boolean last) {
        try {
            CallQuality quality = call.sample(stats, last, java.time.Instant.now());
            if (quality != null) {
                qualityListener.sampled(call.key, quality, last);
            }
        } catch (Throwable t) {
            LOG.warnf(t, "call %s: quality sample failed", call.key);
        }
    }

    private void drainRecordings() {
        for (MediaCall call : calls.values()) {
            WavRecorder r = call.recorder();
            if (r != null) {
                try {
                    r.drain();
                } catch (Throwable t) {
                    LOG.warnf(t, "call %s: recording drain failed", call.key);
                }
            }
        }
    }

    private final class Events implements MediaCall.Events {
        @Override
        public void connected(MediaCall call) {
            try {
                listener.connected(call.key);
            } catch (Throwable t) {
                LOG.warnf(t, "media listener failed on connected(%s)", call.key);
            }
        }

        @Override
        public void failed(MediaCall call, String reason) {
            try {
                listener.failed(call.key, reason);
            } catch (Throwable t) {
                LOG.warnf(t, "media listener failed on failed(%s)", call.key);
            }
        }

        @Override
        public void audioHeard(MediaCall call) {
            try {
                listener.audioHeard(call.key);
            } catch (Throwable t) {
                LOG.warnf(t, "media listener failed on audioHeard(%s)", call.key);
            }
        }
    }
}
