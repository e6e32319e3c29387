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

    MediaListener NONE = new MediaListener() {
        @Override
        public void connected(String callKey) {
        }

        @Override
        public void failed(String callKey, String reason) {
        }
    };
}
