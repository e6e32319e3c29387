package dev.callgate.media;

/** Hears the quality samples of the {@link MediaWorkerPool}'s calls (see {@link CallQuality}). */
public interface QualityListener {

    /**
     * A call's quality was sampled. {@code last}: its final sample, taken as its media closed (then on the thread that
     * closes the call); the others on a pool thread. Must not block.
     */
    void sampled(String callKey, CallQuality quality, boolean last);

    QualityListener NONE = (callKey, quality, last) -> {
    };
}
