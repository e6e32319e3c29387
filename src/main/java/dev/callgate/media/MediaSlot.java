package dev.callgate.media;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.AudioSource;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;

/**
 * One headless audio module and one PeerConnectionFactory, serving one call at a time and reused for successive
 * calls.
 *
 * <p>The module is set up once with the {@link AudioPeer} recipe (playout initialised and started, then the pulled
 * source set) and never touched again while the slot lives: the source it pulls from is this slot's one long-lived
 * {@link AudioSource}, which reads from whatever {@link FrameSource} the current call {@linkplain #attach attached}
 * (silence between calls). Each call's PeerConnection, track and sink are created and closed by the call; the slot
 * keeps the module and factory, so the threads webrtc-java 0.14.0 never releases on factory disposal are not
 * multiplied by the number of calls.
 */
final class MediaSlot {

    private static final Logger LOG = Logger.getLogger(MediaSlot.class);
    private static final AtomicLong NEXT_ID = new AtomicLong();
    private static final AtomicLong NO_COUNTER = new AtomicLong();

    private final long id = NEXT_ID.incrementAndGet();
    private final PulledSource pulled = new PulledSource();
    private volatile FrameSource source = FrameSource.SILENCE;
    private volatile AtomicLong framesCounter = NO_COUNTER;
    private HeadlessAudioDeviceModule adm;
    private PeerConnectionFactory factory;
    private int callsServed;
    private volatile boolean disposed;

    /** Creates the module and factory and starts playout. Throws when the natives fail. */
    static MediaSlot open() {
        MediaSlot slot = new MediaSlot();
        try {
            slot.adm = new HeadlessAudioDeviceModule();
            slot.factory = new PeerConnectionFactory(slot.adm);
            // The recipe's order: playout first, then the source (see AudioPeer).
            slot.adm.initPlayout();
            slot.adm.startPlayout();
            slot.adm.setAudioSource(slot.pulled);
        } catch (RuntimeException | Error e) {
            slot.dispose();
            throw e;
        }
        LOG.debugf("media slot %d opened", slot.id);
        return slot;
    }

    long id() {
        return id;
    }

    PeerConnectionFactory factory() {
        return factory;
    }

    int callsServed() {
        return callsServed;
    }

    /** Routes the module's pulls to {@code call}'s source and frame counter. */
    void attach(FrameSource callSource, AtomicLong counter) {
        callsServed++;
        framesCounter = counter;
        source = callSource;
    }

    /** Back to silence between calls. */
    void detach() {
        source = FrameSource.SILENCE;
        framesCounter = NO_COUNTER;
    }

    boolean disposed() {
        return disposed;
    }

    /** Stops and releases the module and factory (the tail of AudioPeer's teardown order). Never throws. */
    void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        detach();
        HeadlessAudioDeviceModule module = adm;
        PeerConnectionFactory f = factory;
        adm = null;
        factory = null;
        if (module != null) {
            step("stop recording", module::stopRecording);
            step("stop playout", module::stopPlayout);
        }
        if (f != null) {
            step("dispose factory", f::dispose);
        }
        if (module != null) {
            step("dispose audio module", module::dispose);
        }
        LOG.debugf("media slot %d disposed after %d calls", id, callsServed);
    }

    private void step(String what, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            LOG.warnf(t, "media slot %d: %s failed", id, what);
        }
    }

    /** The module's one source for the slot's lifetime; pulled every 10 ms. Never blocks, never throws. */
    private final class PulledSource implements AudioSource {
        private final ByteOrder order = ByteOrder.nativeOrder();
        private volatile boolean loggedError;

        @Override
        public int onPlaybackData(byte[] buffer, int nSamples, int nBytesPerSample, int nChannels, int sampleRate) {
            try {
                int channels = Math.max(1, nChannels);
                // nBytesPerSample is the size of one sample frame (all channels), as WebRTC's AudioTransport uses it.
                int bytesPerFrame = nBytesPerSample >= 2 * channels ? nBytesPerSample : 2 * channels;
                int frames = Math.min(nSamples, buffer.length / bytesPerFrame);
                source.fill(buffer, frames, channels, bytesPerFrame, sampleRate, order);
                framesCounter.incrementAndGet();
            } catch (Throwable t) {
                if (!loggedError) {
                    loggedError = true;
                    LOG.errorf(t, "media slot %d: audio source failed (nSamples=%d bytesPerSample=%d channels=%d "
                            + "rate=%d); sending silence", id, nSamples, nBytesPerSample, nChannels, sampleRate);
                }
                Arrays.fill(buffer, (byte) 0);
            }
            return nSamples;
        }
    }
}
