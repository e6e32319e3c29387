package dev.callgate.media;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.jboss.logging.Logger;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCRtpSendParameters;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;

/**
 * The shared media back-end ({@code callgate.media.shared-factory=true}): ONE headless audio module and ONE
 * PeerConnectionFactory for every call of the pool, and one Java "media clock" thread that pushes each activated call's
 * next 10 ms frame (from its {@link FrameSource}) into the call's own {@link CustomAudioSource}.
 *
 * <p>The recipe (proved by the one-factory-many-calls probe, mode {@code shared-inactive}):
 * <ol>
 * <li>Module and factory: playout initialised and started, then a module source that writes silence (counted: only
 * libwebrtc's own start of the module's recording, at an activation, makes it run).</li>
 * <li>Each call's sender is made inactive ({@code encodings[].active = false}) right after {@code addTrack}, before any
 * SDP, so no audio send stream starts when DTLS connects.</li>
 * <li>Once the call is CONNECTED (and, for "nothing until play", played) it is {@linkplain #activate activated}: under
 * one JVM-wide lock, with every push paused, the sender is made active (libwebrtc starts the send stream AND the
 * module's recording, synchronously), then the module's recording is stopped at once (joins its capture thread).</li>
 * <li>Received audio needs nothing: the shared playout thread feeds every remote track's sinks separately.</li>
 * </ol>
 * Never activate before CONNECTED; never stop the recording while a send stream could be starting (it hangs); no
 * {@code setEnabled}, active toggle or renegotiation outside {@link #activate}.
 */
final class SharedMedia {

    private static final Logger LOG = Logger.getLogger(SharedMedia.class);
    static final int RATE = 48_000;
    static final int FRAMES = 480;

    /** JVM-wide: activations (and the native teardown steps) one at a time, whatever pool they belong to. */
    private static final Object ACTIVATION = new Object();
    /** JVM-wide: the clocks push under the read lock; an activation or a call leaving takes the write lock. */
    private static final ReentrantReadWriteLock PUSHES = new ReentrantReadWriteLock(true);

    private final HeadlessAudioDeviceModule adm;
    private final PeerConnectionFactory factory;
    private final ScheduledExecutorService clock;
    /** The activated calls pushed every 10 ms; changed under the write lock only. */
    private final List<Feed> feeds = new ArrayList<>();
    private final AtomicLong modulePulls = new AtomicLong();
    private final AtomicLong activations = new AtomicLong();
    private final AtomicLong lateTicks = new AtomicLong();
    private final byte[] frame = new byte[FRAMES * 2];
    private final ByteOrder order = ByteOrder.nativeOrder();
    private long nextTickNanos;
    private volatile boolean disposed;
    private volatile boolean activating;
    /** libwebrtc started the module's recording outside an activation and it is not stopped yet: no pushes. */
    private volatile boolean stray;
    private final AtomicLong strayPulls = new AtomicLong();
    private final Object pulled = new Object();
    /** How long an activation waits for libwebrtc to start the send stream (and with it the module's recording). */
    static final long START_WAIT_MILLIS = 500;

    private SharedMedia(HeadlessAudioDeviceModule adm, PeerConnectionFactory factory) {
        this.adm = adm;
        this.factory = factory;
        this.clock = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "callgate-media-clock");
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY);
            return t;
        });
    }

    /** Creates the module and factory, starts playout and the media clock. Throws when the natives fail. */
    static SharedMedia open() {
        HeadlessAudioDeviceModule module = new HeadlessAudioDeviceModule();
        PeerConnectionFactory f;
        try {
            f = new PeerConnectionFactory(module);
        } catch (RuntimeException | Error e) {
            module.dispose();
            throw e;
        }
        SharedMedia shared = new SharedMedia(module, f);
        try {
            module.initPlayout();
            module.startPlayout();
            module.setAudioSource((buffer, nSamples, nBytesPerSample, nChannels, sampleRate) -> {
                java.util.Arrays.fill(buffer, (byte) 0);
                shared.modulePulled();
                return nSamples;
            });
        } catch (RuntimeException | Error e) {
            shared.dispose();
            throw e;
        }
        shared.clock.scheduleAtFixedRate(shared::tick, 10, 10, TimeUnit.MILLISECONDS);
        LOG.info("shared media back-end: one audio module and PeerConnectionFactory for all calls");
        return shared;
    }

    PeerConnectionFactory factory() {
        return factory;
    }

    /** A call's outgoing audio: its own source, pushed by the clock once {@linkplain #activate activated}. */
    Feed newFeed(String key, FrameSource source, AtomicLong framesSent) {
        return new Feed(key, new CustomAudioSource(), source, framesSent);
    }

    /**
     * Starts the call's RTP: under the JVM-wide activation lock with every push paused, sets the sender's encodings
     * active, stops the module's recording libwebrtc just started, and adds the feed to the clock. Only once the call's
     * PeerConnection is CONNECTED.
     */
    void activate(RTCRtpSender sender, Feed feed) {
        synchronized (ACTIVATION) {
            PUSHES.writeLock().lock();
            long startedAt = System.nanoTime();
            long pulls = modulePulls.get();
            activating = true;
            boolean started = false;
            try {
                try {
                    RTCRtpSendParameters parameters = sender.getParameters();
                    if (parameters.encodings == null || parameters.encodings.isEmpty()) {
                        throw new IllegalStateException("call " + feed.key + ": the sender has no encodings");
                    }
                    parameters.encodings.forEach(encoding -> encoding.active = true);
                    sender.setParameters(parameters);
                    started = awaitModulePull(pulls, START_WAIT_MILLIS);
                } finally {
                    adm.stopRecording();
                }
                if (!started) {
                    LOG.warnf("call %s: libwebrtc did not start the module's recording within %d ms of the activation"
                            + " (a late start is stopped when it comes)", feed.key, START_WAIT_MILLIS);
                }
                if (!disposed) {
                    feeds.add(feed);
                }
                activations.incrementAndGet();
            } finally {
                activating = false;
                PUSHES.writeLock().unlock();
            }
            LOG.debugf("call %s: RTP flowing (activation %.1f ms, module pulls meanwhile %d)", feed.key,
                    (System.nanoTime() - startedAt) / 1e6, modulePulls.get() - pulls);
        }
    }

    /**
     * The module's capture thread ran (its source was pulled). Inside an activation that is the proof the send stream
     * started (libwebrtc starts the recording with the first sending stream). Outside one, libwebrtc started the
     * recording late (the channel's send state reached the worker thread after the activation): its thread would feed
     * every send stream alongside the clock (libwebrtc aborts on that race), so pushes stop at once and the recording is
     * stopped under the activation lock. Capture thread: never blocks.
     */
    private void modulePulled() {
        long n = modulePulls.incrementAndGet();
        if (activating) {
            synchronized (pulled) {
                pulled.notifyAll();
            }
            return;
        }
        strayPulls.incrementAndGet();
        if (!stray) {
            stray = true; // the clock skips its pushes from now until the recording is stopped
            LOG.warnf("shared media: libwebrtc started the module's recording outside an activation (pull %d);"
                    + " stopping it", n);
            try {
                clock.execute(this::stopStrayRecording);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("shared media disposed: stray recording left to the disposal");
            }
        }
    }

    /** Clock thread: stops a recording libwebrtc started outside an activation; pushes resume after. */
    private void stopStrayRecording() {
        synchronized (ACTIVATION) {
            PUSHES.writeLock().lock();
            try {
                adm.stopRecording();
                stray = false;
            } finally {
                PUSHES.writeLock().unlock();
            }
        }
    }

    /** Activation (lock held): waits until the module's capture thread has run since {@code before}. */
    private boolean awaitModulePull(long before, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (pulled) {
            while (modulePulls.get() == before) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    pulled.wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Pulls of the module's source outside any activation (each a late recording start, stopped). */
    long strayPulls() {
        return strayPulls.get();
    }

    /** Stops pushing the call (no push of it is under way when this returns). */
    void remove(Feed feed) {
        PUSHES.writeLock().lock();
        try {
            feeds.remove(feed);
        } finally {
            PUSHES.writeLock().unlock();
        }
    }

    /** Runs a call's native teardown steps one at a time with activations (as the probe's churn did). */
    <T> T teardown(java.util.function.Supplier<T> steps) {
        synchronized (ACTIVATION) {
            return steps.get();
        }
    }

    /** How often the module's capture thread ran (libwebrtc's recording starts at activations, stopped at once). */
    long modulePulls() {
        return modulePulls.get();
    }

    long activations() {
        return activations.get();
    }

    /** Ticks that ran more than 20 ms late (the clock thread starved). */
    long lateTicks() {
        return lateTicks.get();
    }

    int feeding() {
        PUSHES.readLock().lock();
        try {
            return feeds.size();
        } finally {
            PUSHES.readLock().unlock();
        }
    }

    /** Stops the clock and releases module and factory (after every call is closed). Never throws. */
    void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        clock.shutdown();
        try {
            clock.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        PUSHES.writeLock().lock();
        try {
            feeds.clear();
        } finally {
            PUSHES.writeLock().unlock();
        }
        step("stop recording", adm::stopRecording);
        step("stop playout", adm::stopPlayout);
        step("dispose factory", factory::dispose);
        step("dispose audio module", adm::dispose);
        LOG.debugf("shared media disposed after %d activations", activations.get());
    }

    private static void step(String what, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            LOG.warnf(t, "shared media: %s failed", what);
        }
    }

    /** The media clock, every 10 ms: one frame for every activated call. */
    private void tick() {
        long now = System.nanoTime();
        if (nextTickNanos != 0 && now - nextTickNanos > 20_000_000L) {
            lateTicks.incrementAndGet();
        }
        nextTickNanos = (nextTickNanos == 0 ? now : nextTickNanos) + 10_000_000L;
        PUSHES.readLock().lock();
        try {
            for (int i = 0; i < feeds.size() && !stray; i++) {
                feeds.get(i).push(frame, order);
            }
        } finally {
            PUSHES.readLock().unlock();
        }
    }

    /** One call's outgoing audio. */
    static final class Feed {
        final String key;
        final CustomAudioSource audioSource;
        private volatile FrameSource source;
        private final AtomicLong framesSent;
        private boolean loggedError;

        Feed(String key, CustomAudioSource audioSource, FrameSource source, AtomicLong framesSent) {
            this.key = key;
            this.audioSource = audioSource;
            this.source = source;
            this.framesSent = framesSent;
        }

        /** What the call sends from the next frame on. */
        void source(FrameSource next) {
            source = next;
        }

        /** Clock thread, read lock held. Never throws. */
        void push(byte[] frame, ByteOrder order) {
            try {
                source.fill(frame, FRAMES, 1, 2, RATE, order);
            } catch (Throwable t) {
                if (!loggedError) {
                    loggedError = true;
                    LOG.errorf(t, "call %s: audio source failed; sending silence", key);
                }
                java.util.Arrays.fill(frame, (byte) 0);
            }
            try {
                audioSource.pushAudio(frame, 16, RATE, 1, FRAMES);
                framesSent.incrementAndGet();
            } catch (Throwable t) {
                if (!loggedError) {
                    loggedError = true;
                    LOG.errorf(t, "call %s: audio could not be pushed", key);
                }
            }
        }
    }
}
