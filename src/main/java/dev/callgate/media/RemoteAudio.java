package dev.callgate.media;

import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import org.jboss.logging.Logger;

import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The remote audio track of one PeerConnection and our sink on it ({@link AudioPeer}, {@link MediaCall}): attached once
 * from onTrack (signaling thread), removed first at teardown. Its lock guards the track between the two and is never
 * held while calling into the PeerConnection.
 */
final class RemoteAudio {

    private static final Logger LOG = Logger.getLogger(RemoteAudio.class);

    private final Object lock = new Object();
    private final String label;
    private final AudioTrackSink sink;
    private final BooleanSupplier closed;
    private AudioTrack track;

    /**
     * @param label  names the peer in logs ("audio peer x", "call y")
     * @param closed whether the peer is closing: then no track is attached any more
     */
    RemoteAudio(String label, AudioTrackSink sink, BooleanSupplier closed) {
        this.label = label;
        this.sink = sink;
        this.closed = closed;
    }

    /** onTrack: puts the sink on the first remote audio track. Never throws. */
    void attach(RTCRtpTransceiver transceiver) {
        try {
            MediaStreamTrack remote = transceiver.getReceiver().getTrack();
            if (!(remote instanceof AudioTrack)) {
                LOG.debugf("%s: ignoring remote %s track", label, remote == null ? "null" : remote.getKind());
                return;
            }
            synchronized (lock) {
                if (closed.getAsBoolean() || track != null) {
                    return;
                }
                track = (AudioTrack) remote;
                track.addSink(sink);
            }
            LOG.debugf("%s: remote audio track attached", label);
        } catch (Throwable t) {
            LOG.errorf(t, "%s: could not attach the remote track", label);
        }
    }

    /**
     * Teardown (after the peer was marked closed): forgets the track and has {@code step} remove the sink from it;
     * returns what {@code step} returned, or true when no track was attached.
     */
    boolean detach(Predicate<Runnable> step) {
        synchronized (lock) {
            AudioTrack remote = track;
            track = null;
            return remote == null || step.test(() -> remote.removeSink(sink));
        }
    }
}
