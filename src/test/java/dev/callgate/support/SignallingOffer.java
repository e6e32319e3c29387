package dev.callgate.support;

import dev.callgate.media.AudioPeer;

import java.util.concurrent.TimeUnit;

/**
 * A real business-side SDP offer for tests that exercise signalling only: one webrtc-java peer per test JVM makes it
 * (the simulator's phone answers each connect with its own peer; media is never completed). Closed at JVM exit.
 */
public final class SignallingOffer {

    private static AudioPeer peer;
    private static String sdp;

    private SignallingOffer() {
    }

    public static synchronized String sdp() {
        if (sdp == null) {
            peer = AudioPeer.create("signalling-offer", 0);
            try {
                sdp = peer.createOffer().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the test offer", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(peer::close, "signalling-offer-close"));
        }
        return sdp;
    }
}
