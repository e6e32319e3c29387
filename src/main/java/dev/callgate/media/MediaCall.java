package dev.callgate.media;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.media.audio.AudioOptions;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSource;

/**
 * One call in the {@link MediaWorkerPool}: its PeerConnection on a borrowed {@link MediaSlot}, its outgoing
 * {@link FrameSource}, its received-audio meter and optional recorder.
 *
 * <p>Native callbacks never run our logic: they hand over to the pool's executor. {@link #lock} serialises setup steps
 * and teardown; {@link RemoteAudio} guards the remote track between onTrack (signaling thread) and teardown.
 */
final class MediaCall {

    private static final Logger LOG = Logger.getLogger(MediaCall.class);

    /** Events the call reports to the pool (on the pool's executor). */
    interface Events {
        void connected(MediaCall call);

        void failed(MediaCall call, String reason);

        /** The other side's audio is heard (reported once). */
        default void audioHeard(MediaCall call) {
        }
    }

    final String key;
    final MediaOptions options;
    private final ScheduledExecutorService executor;
    private final Events events;
    private final long disconnectedTimeoutMillis;
    private final AudioMeter meter = new AudioMeter();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean reportedConnected = new AtomicBoolean();
    private final AtomicBoolean reportedFailure = new AtomicBoolean();
    private final AtomicBoolean reportedAudioHeard = new AtomicBoolean();
    /** Consecutive received audio (in ms) above the threshold; touched by the native audio thread only. */
    private int loudMillis;
    /** RTP is held back until {@link #play} (options.holdRtp()). */
    private volatile boolean rtpHeld;
    private final CompletableFuture<Void> gatheringComplete = new CompletableFuture<>();
    /** The local SDP (offer or answer) once gathered; what repeated createOffer/createAnswer calls return. */
    final CompletableFuture<String> localSdp = new CompletableFuture<>();
    private volatile String state = RTCPeerConnectionState.NEW.name();
    private volatile long disconnectedSince;

    private final Object lock = new Object();
    private MediaSlot slot;
    /** The shared back-end instead of a slot ({@code callgate.media.shared-factory}), or null. */
    private SharedMedia shared;
    /** This call's outgoing audio on the shared back-end. */
    private SharedMedia.Feed feed;
    /** Whether the shared back-end's sender was activated (it is, once: CONNECTED and not held). */
    private boolean activated;
    private RTCPeerConnection pc;
    private RTCRtpSender sender;
    private AudioTrack localTrack;
    private volatile WavRecorder recorder;
    /** Where the user's audio goes besides the meter and the recording (an audio stream), or null. */
    private volatile AudioBridge listener;
    /** The user's audio as 48 kHz mono samples for {@link #listener}; only the sink's thread touches it. */
    private short[] heard = new short[480];
    private final java.util.concurrent.atomic.AtomicLong unbridgedFrames = new java.util.concurrent.atomic.AtomicLong();
    private String appliedAnswer;
    private CompletableFuture<Void> answerApplied;

    private final RemoteAudio remote;
    private volatile boolean loggedSinkError;
    /** The getStats answer libwebrtc owes us, or null: at most one is ever outstanding per call. */
    private CompletableFuture<Stats> statsOwed;
    /** The counters of the last quality sample (guarded by {@link #qualityLock}). */
    private CallQuality.Counters lastCounters;
    private volatile CallQuality quality;
    /** Set once the final sample was taken: a periodic one completing later is dropped. */
    private boolean finalSampled;
    private final Object qualityLock = new Object();
    private volatile boolean loggedStatsStall;
    private final SdpCallbacks callbacks;
    /** See {@link #onCandidate}; 0: gathering ends when libwebrtc says so. */
    private final long settleMillis;
    private final Object settleLock = new Object();
    private java.util.concurrent.ScheduledFuture<?> settled;

    MediaCall(String key, MediaOptions options, ScheduledExecutorService executor, Events events,
            long disconnectedTimeoutMillis, long settleMillis) {
        this.settleMillis = settleMillis;
        this.key = key;
        this.options = options;
        this.executor = executor;
        this.callbacks = new SdpCallbacks(executor, "call " + key, this::closedException);
        this.remote = new RemoteAudio("call " + key, this::onRemoteAudio, closed::get);
        this.events = events;
        this.disconnectedTimeoutMillis = disconnectedTimeoutMillis;
    }

    /**
     * Switches what the call sends (from silence to its prompt at pick-up, or from nothing at all once a
     * user-initiated call is accepted); RTP held back so far starts flowing now.
     */
    boolean play(FrameSource source) {
        synchronized (lock) {
            if (closed.get()) {
                return false;
            }
            if (shared != null) {
                feed.source(source);
                if (rtpHeld) {
                    rtpHeld = false;
                    activateIfReady();
                }
                return true;
            }
            if (slot == null) {
                return false;
            }
            slot.attach(source, framesSent);
            if (rtpHeld) {
                setSending(true);
                rtpHeld = false;
            }
            return true;
        }
    }

    /**
     * Switches the sender's RTP on or off without renegotiation ({@code encodings[].active}; libwebrtc then stops the
     * audio send stream: no RTP, no sender reports). Lock held.
     */
    private void setSending(boolean active) {
        if (sender == null) {
            return;
        }
        dev.onvoid.webrtc.RTCRtpSendParameters parameters = sender.getParameters();
        if (parameters.encodings == null || parameters.encodings.isEmpty()) {
            throw new IllegalStateException("call " + key + ": the sender has no encodings to switch");
        }
        parameters.encodings.forEach(encoding -> encoding.active = active);
        sender.setParameters(parameters);
        LOG.debugf("call %s: RTP %s", key, active ? "flowing" : "held back");
    }

    /** Whether RTP is held back until {@link #play}. */
    boolean rtpHeld() {
        return rtpHeld;
    }

    /**
     * Creates the call's natives on {@code slot}: attaches the source, creates the track and PeerConnection. Runs on a
     * pool thread. Returns false when the call was closed meanwhile (the slot is then not used).
     */
    boolean open(MediaSlot borrowed, FrameSource source, WavRecorder rec, RTCConfiguration config) {
        synchronized (lock) {
            if (closed.get()) {
                return false;
            }
            slot = borrowed;
            recorder = rec;
            slot.attach(source, framesSent);
            AudioOptions audio = new AudioOptions();
            audio.echoCancellation = false;
            audio.autoGainControl = false;
            audio.noiseSuppression = false;
            audio.highpassFilter = false;
            AudioTrackSource trackSource = slot.factory().createAudioSource(audio);
            localTrack = slot.factory().createAudioTrack("callgate-audio", trackSource);
            pc = slot.factory().createPeerConnection(config,
                    callbacks.peer(gatheringComplete, this::onConnectionChange, remote::attach, this::onCandidate));
            sender = pc.addTrack(localTrack, List.of("callgate"));
            if (options.holdRtp()) {
                rtpHeld = true;
                setSending(false); // before any description: not one packet leaves until play()
            }
            return true;
        }
    }

    /**
     * The shared back-end's {@link #open}: the call's own {@link dev.onvoid.webrtc.media.audio.CustomAudioSource}, track
     * and PeerConnection on the shared factory; the sender inactive before any SDP whatever the options (its RTP starts
     * at the activation, once CONNECTED and, for {@code holdRtp}, played). Runs on a pool thread.
     */
    boolean openShared(SharedMedia media, FrameSource source, WavRecorder rec, RTCConfiguration config) {
        synchronized (lock) {
            if (closed.get()) {
                return false;
            }
            shared = media;
            recorder = rec;
            feed = media.newFeed(key, source, framesSent);
            localTrack = media.factory().createAudioTrack("callgate-audio", feed.audioSource);
            pc = media.factory().createPeerConnection(config,
                    callbacks.peer(gatheringComplete, this::onConnectionChange, remote::attach, this::onCandidate));
            sender = pc.addTrack(localTrack, List.of("callgate"));
            rtpHeld = options.holdRtp();
            setSending(false); // before any description: no send stream starts when DTLS connects
            return true;
        }
    }

    /**
     * Shared back-end, lock held: activates the sender once the call is CONNECTED and its RTP is not held back (never
     * before CONNECTED). A failure fails the call.
     */
    private void activateIfReady() {
        if (shared == null || activated || rtpHeld || !reportedConnected.get() || closed.get() || sender == null) {
            return;
        }
        activated = true;
        try {
            shared.activate(sender, feed);
        } catch (RuntimeException e) {
            LOG.warnf(e, "call %s: RTP could not be started", key);
            later(() -> fail("RTP could not be started: " + e));
        }
    }

    /** We offer: create the offer, set it locally, wait for full gathering; completes {@link #localSdp}. */
    void startOffer() {
        CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
        if (!withPc(p -> p.createOffer(new RTCOfferOptions(), callbacks.created(created)))) {
            localSdp.completeExceptionally(closedException());
            return;
        }
        created.thenComposeAsync(this::setLocal, executor)
                .thenComposeAsync(v -> localSdpWhenGathered(), executor)
                .whenComplete(this::completeLocal);
    }

    /** The remote side offered: apply it, answer, wait for full gathering; completes {@link #localSdp}. */
    void startAnswer(String remoteOffer) {
        setRemote(new RTCSessionDescription(RTCSdpType.OFFER, AudioPeer.crlf(remoteOffer)))
                .thenComposeAsync(v -> {
                    CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
                    if (!withPc(p -> p.createAnswer(new RTCAnswerOptions(), callbacks.created(created)))) {
                        return CompletableFuture.<RTCSessionDescription>failedFuture(closedException());
                    }
                    return created;
                }, executor)
                .thenComposeAsync(this::setLocal, executor)
                .thenComposeAsync(v -> localSdpWhenGathered(), executor)
                .whenComplete(this::completeLocal);
    }

    private void completeLocal(String sdp, Throwable error) {
        if (error != null) {
            localSdp.completeExceptionally(unwrap(error));
        } else {
            localSdp.complete(sdp);
        }
    }

    /** Applies the remote answer once; the same SDP again returns the same stage, a different one fails. */
    CompletableFuture<Void> applyAnswer(String remoteAnswer) {
        String sdp = AudioPeer.crlf(remoteAnswer);
        synchronized (lock) {
            if (answerApplied != null) {
                if (appliedAnswer.equals(sdp)) {
                    return answerApplied;
                }
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "call " + key + " already has a different remote answer"));
            }
            if (closed.get()) {
                return CompletableFuture.failedFuture(closedException());
            }
            appliedAnswer = sdp;
            answerApplied = localSdp.thenComposeAsync(
                    offer -> setRemote(new RTCSessionDescription(RTCSdpType.ANSWER, sdp)), executor);
            return answerApplied;
        }
    }

    String state() {
        return state;
    }

    long framesSent() {
        return framesSent.get();
    }

    AudioStats received() {
        return meter.snapshot();
    }

    Path recordingPath() {
        WavRecorder r = recorder;
        return r == null ? null : r.path();
    }

    WavRecorder recorder() {
        return recorder;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Whether the PeerConnection has ever been CONNECTED (only then is there quality to sample). */
    boolean wasConnected() {
        return reportedConnected.get();
    }

    /** The latest quality sample, or null before the first. */
    CallQuality quality() {
        return quality;
    }

    /**
     * Asks libwebrtc for a stats report. Returns the answer owed (completed on the native signaling thread: callers
     * must not run work on it), or null when the call is closed. If an earlier request is still unanswered — a stall —
     * that one is returned and no new request is made, so a callback that never comes costs one callback object per
     * call, not one per sample.
     */
    CompletableFuture<Stats> requestStats() {
        synchronized (lock) {
            if (statsOwed != null && !statsOwed.isDone()) {
                return statsOwed;
            }
            if (closed.get() || pc == null) {
                return null;
            }
            CompletableFuture<Stats> owed = new CompletableFuture<>();
            try {
                // the callback runs on the signaling thread: it only notes the time and completes the future
                pc.getStats(report -> owed.complete(new Stats(report, System.nanoTime())));
            } catch (RuntimeException e) {
                owed.completeExceptionally(e);
            }
            statsOwed = owed;
            return owed;
        }
    }

    /**
     * Turns a stats report into the call's next quality sample (the interval since the previous one); null when the
     * final sample was taken already (a periodic report that lost the race with the close). Any thread but a native
     * one.
     */
    CallQuality sample(Stats stats, boolean last, java.time.Instant at) {
        CallQuality.Counters counters = CallQuality.Counters.of(stats.atNanos(), stats.report().getStats().values());
        synchronized (qualityLock) {
            if (finalSampled) {
                return null;
            }
            finalSampled = last;
            if (lastCounters != null && counters.atNanos() == lastCounters.atNanos()) {
                return last ? quality : null; // the same report twice (a periodic and the final request shared it)
            }
            CallQuality next = CallQuality.between(lastCounters, counters, at);
            if (last && next.packetLoss() == null && quality != null && quality.packetLoss() != null) {
                // the close came right after a periodic sample, too soon for a packet: nothing was measured since, so
                // the last measured quality stands, with the final totals
                next = new CallQuality(quality.mos(), quality.packetLoss(), quality.jitterMs(), quality.rttMs(),
                        quality.inboundKbps(), quality.outboundKbps(), next.packetsReceived(), next.packetsLost(),
                        next.packetsSent(), next.sampledAt());
            }
            lastCounters = counters;
            quality = next;
            return next;
        }
    }

    /** Logs the first stats stall of this call (later ones at DEBUG). */
    void statsStalled(long afterMillis) {
        if (!loggedStatsStall) {
            loggedStatsStall = true;
            LOG.warnf("call %s: libwebrtc did not deliver stats within %d ms; no quality sample this time", key,
                    afterMillis);
        } else {
            LOG.debugf("call %s: stats still not delivered after %d ms", key, afterMillis);
        }
    }

    /**
     * Tears the call down in the recipe's order (remove sink, remove sender, close the PeerConnection, dispose the
     * track), detaches the slot's source and finalises the recording. Returns the slot to give back (null if none),
     * and whether every step succeeded. Never throws.
     */
    TeardownResult close() {
        if (!closed.compareAndSet(false, true)) {
            return new TeardownResult(null, true);
        }
        boolean clean = true;
        MediaSlot borrowed;
        synchronized (lock) {
            if (shared != null) {
                clean = closeShared();
            }
            clean &= remote.detach(removal -> step("remove remote sink", removal));
            RTCPeerConnection p = pc;
            RTCRtpSender s = sender;
            AudioTrack track = localTrack;
            pc = null;
            sender = null;
            localTrack = null;
            clean &= release(p, s, track);
            borrowed = slot;
            slot = null;
            if (borrowed != null) {
                borrowed.detach();
            }
        }
        WavRecorder r = recorder;
        if (r != null) {
            r.close();
        }
        state = RTCPeerConnectionState.CLOSED.name();
        IllegalStateException ex = closedException();
        gatheringComplete.completeExceptionally(ex);
        localSdp.completeExceptionally(ex);
        return new TeardownResult(borrowed, clean);
    }

    /** The teardown's order that gives no errors: the sender's track removed, the PeerConnection closed, the track. */
    private boolean release(RTCPeerConnection p, RTCRtpSender s, AudioTrack track) {
        boolean clean = true;
        if (p != null && s != null) {
            clean &= step("remove track", () -> p.removeTrack(s));
        }
        if (p != null) {
            clean &= step("close peer connection", p::close);
        }
        if (track != null) {
            clean &= step("dispose local track", track::dispose);
        }
        return clean;
    }

    /**
     * Shared back-end, lock held: stops pushing the call, then (one at a time with activations) removes the sink and
     * the sender, closes the PeerConnection, disposes the track and the call's audio source. Leaves nothing for the
     * common steps of {@link #close}.
     */
    private boolean closeShared() {
        SharedMedia media = shared;
        SharedMedia.Feed f = feed;
        if (f != null) {
            media.remove(f);
        }
        RTCPeerConnection p = pc;
        RTCRtpSender s = sender;
        AudioTrack track = localTrack;
        pc = null;
        sender = null;
        localTrack = null;
        return media.teardown(() -> {
            boolean ok = remote.detach(removal -> step("remove remote sink", removal));
            ok &= release(p, s, track);
            if (f != null) { // no longer pushed (removed above) nor used by a track (disposed): its native source goes
                ok &= step("dispose audio source", f.audioSource::dispose);
            }
            return ok;
        });
    }

    record TeardownResult(MediaSlot slot, boolean clean) {
    }

    /** A stats report and when it was delivered ({@link System#nanoTime()}). */
    record Stats(RTCStatsReport report, long atNanos) {
    }

    // --- internals ------------------------------------------------------------------------------------------

    private boolean step(String what, Runnable action) {
        try {
            action.run();
            return true;
        } catch (Throwable t) {
            LOG.warnf(t, "call %s: %s failed", key, what);
            return false;
        }
    }

    /** Runs {@code action} on the live PeerConnection under the lock; false if the call is closed. */
    private boolean withPc(Consumer<RTCPeerConnection> action) {
        synchronized (lock) {
            if (closed.get() || pc == null) {
                return false;
            }
            action.accept(pc);
            return true;
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("media of call " + key + " is closed");
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private CompletableFuture<Void> setLocal(RTCSessionDescription description) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!withPc(p -> p.setLocalDescription(description, callbacks.set(done)))) {
            return CompletableFuture.failedFuture(closedException());
        }
        return done;
    }

    private CompletableFuture<Void> setRemote(RTCSessionDescription description) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!withPc(p -> p.setRemoteDescription(description, callbacks.set(done)))) {
            return CompletableFuture.failedFuture(closedException());
        }
        return done;
    }

    /**
     * A candidate was gathered: with a settle time ({@link #settleMillis} &gt; 0), gathering counts as complete once
     * no further candidate came for that long (libwebrtc's host UDP candidates come together; its relay and TCP
     * phases, 50 and 100 ms later, bring nothing Meta uses when no STUN or TURN server is configured).
     */
    private void onCandidate(dev.onvoid.webrtc.RTCIceCandidate candidate) {
        if (settleMillis <= 0 || gatheringComplete.isDone()) {
            return;
        }
        synchronized (settleLock) {
            if (settled != null) {
                settled.cancel(false);
            }
            try {
                settled = executor.schedule(() -> gatheringComplete.complete(null), settleMillis,
                        java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // the pool is shutting down: the call is being closed
            }
        }
    }

    private CompletableFuture<String> localSdpWhenGathered() {
        boolean[] complete = new boolean[1];
        if (!withPc(p -> complete[0] = p.getIceGatheringState() == RTCIceGatheringState.COMPLETE)) {
            return CompletableFuture.failedFuture(closedException());
        }
        if (complete[0]) {
            gatheringComplete.complete(null);
        }
        return gatheringComplete.thenApplyAsync(v -> {
            RTCSessionDescription[] local = new RTCSessionDescription[1];
            if (!withPc(p -> local[0] = p.getLocalDescription())) {
                throw closedException();
            }
            if (local[0] == null) {
                throw new IllegalStateException("call " + key + " has no local description");
            }
            return AudioPeer.crlf(local[0].sdp);
        }, executor);
    }

    /** Runs {@code r} on the pool's executor (never on the calling native thread). */
    private void later(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            LOG.debugf("call %s: event after pool shutdown dropped", key);
        }
    }

    /** Routes the user's audio to {@code bridge} (or stops, with null). */
    void listen(AudioBridge bridge) {
        listener = bridge;
    }

    /** Frames of the user's audio a bridge could not take (not 16-bit 48 kHz). */
    long unbridgedFrames() {
        return unbridgedFrames.get();
    }

    /** 16-bit 48 kHz audio, any channel count, as mono samples (the first channel) to the bridge. */
    private void toBridge(AudioBridge bridge, byte[] data, int bitsPerSample, int sampleRate, int channels,
                          int frames) {
        if (bitsPerSample != 16 || sampleRate != WavFiles.RATE || channels < 1) {
            unbridgedFrames.addAndGet(frames);
            return;
        }
        if (heard.length < frames) {
            heard = new short[frames];
        }
        boolean little = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;
        int stride = 2 * channels;
        for (int i = 0; i < frames; i++) {
            int p = i * stride;
            heard[i] = little ? (short) ((data[p] & 0xFF) | (data[p + 1] << 8))
                    : (short) ((data[p + 1] & 0xFF) | (data[p] << 8));
        }
        bridge.heard(heard, frames);
    }

    private <T> void completeLater(CompletableFuture<T> future, T value, Throwable error) {
        callbacks.complete(future, value, error);
    }

    private void onRemoteAudio(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
        try {
            meter.accept(data, bitsPerSample, sampleRate, channels, frames);
            if (!reportedAudioHeard.get() && sampleRate > 0) {
                loudMillis = AudioMeter.levelDbfs(data, bitsPerSample, channels, frames)
                        > MediaWorkerPool.USER_AUDIO_THRESHOLD_DBFS ? loudMillis + frames * 1000 / sampleRate : 0;
                if (loudMillis >= MediaWorkerPool.USER_AUDIO_MIN_MILLIS && reportedAudioHeard.compareAndSet(false, true)) {
                    executor.execute(() -> {
                        if (!closed.get()) {
                            events.audioHeard(this);
                        }
                    });
                }
            }
            WavRecorder r = recorder;
            if (r != null) {
                r.accept(data, bitsPerSample, sampleRate, channels, frames);
            }
            AudioBridge bridge = listener;
            if (bridge != null) {
                toBridge(bridge, data, bitsPerSample, sampleRate, channels, frames);
            }
        } catch (Throwable t) {
            if (!loggedSinkError) {
                loggedSinkError = true;
                LOG.errorf(t, "call %s: received audio could not be handled", key);
            }
        }
    }

    private void onStateChange(RTCPeerConnectionState newState) {
        if (closed.get()) {
            return;
        }
        LOG.debugf("call %s: %s", key, newState);
        switch (newState) {
            case CONNECTED -> {
                disconnectedSince = 0;
                if (reportedConnected.compareAndSet(false, true)) {
                    synchronized (lock) {
                        activateIfReady(); // shared back-end only
                    }
                    events.connected(this);
                }
            }
            case FAILED -> fail("peer connection FAILED");
            case CLOSED -> fail("peer connection CLOSED unexpectedly");
            case DISCONNECTED -> {
                long since = System.nanoTime();
                disconnectedSince = since;
                try {
                    executor.schedule(() -> {
                        if (!closed.get() && disconnectedSince == since
                                && RTCPeerConnectionState.DISCONNECTED.name().equals(state)) {
                            fail("peer connection DISCONNECTED for more than " + disconnectedTimeoutMillis + " ms");
                        }
                    }, disconnectedTimeoutMillis, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    LOG.debugf("call %s: pool shut down, disconnect not watched", key);
                }
            }
            default -> {
            }
        }
    }

    /** Reports a failure once (pool thread). */
    void fail(String reason) {
        if (!closed.get() && reportedFailure.compareAndSet(false, true)) {
            LOG.warnf("call %s: media failed: %s", key, reason);
            events.failed(this, reason);
        }
    }

    /** Signaling thread: records the state (in order) and hands the change to the pool's executor. */
    private void onConnectionChange(RTCPeerConnectionState newState) {
        if (closed.get()) {
            return;
        }
        state = newState.name(); // in order: the signaling thread delivers the changes one by one
        later(() -> onStateChange(newState));
    }
}
