package dev.callgate.media;

/** What the orchestrator hears from the {@link MediaWorkerPool}. Called on a pool thread; must not block. */
public interface MediaListener {

    /** ICE and DTLS are up (PeerConnection CONNECTED). */
    void connected(String callKey);

    /**
     * The call's media broke: PeerConnection FAILED, DISCONNECTED for longer than the configured timeout, CLOSED
     * without our close, or a native error. The call stays in the pool until {@link MediaWorkerPool#close} is called.
     */
    void failed(String callKey, String reason);

    /**
     * The other side's audio is heard: {@link MediaWorkerPool#USER_AUDIO_MIN_MILLIS} of frames in a row above
     * {@link MediaWorkerPool#USER_AUDIO_THRESHOLD_DBFS}. Reported once per call. On a business-initiated call this
     * means the user picked up, whether or not Meta's ACCEPTED status has come.
     */
    default void audioHeard(String callKey) {
    }

    MediaListener NONE = new MediaListener() {
        @Override
        public void connected(String callKey) {
        }

        @Override
        public void failed(String callKey, String reason) {
        }
    };
}
