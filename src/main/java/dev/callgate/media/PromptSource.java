package dev.callgate.media;

import java.nio.ByteOrder;

/** Plays a prompt (48 kHz mono samples) looped or once, then silence. Filled by one thread at a time. */
final class PromptSource implements FrameSource {

    private final short[] samples;
    private final boolean loop;
    /** Position in samples at 48 kHz; fractional when the module pulls at another rate. */
    private double pos;

    PromptSource(short[] samples48kMono, boolean loop) {
        this.samples = samples48kMono;
        this.loop = loop;
    }

    @Override
    public void fill(byte[] buf, int frames, int channels, int bytesPerFrame, int sampleRate, ByteOrder order) {
        boolean little = order == ByteOrder.LITTLE_ENDIAN;
        double step = (double) WavFiles.RATE / sampleRate;
        int n = samples.length;
        for (int i = 0; i < frames; i++) {
            short s = 0;
            if (n > 0) {
                if (pos >= n) {
                    if (loop) {
                        pos -= n * Math.floor(pos / n);
                    }
                }
                if (pos < n) {
                    s = samples[(int) pos];
                    pos += step;
                }
            }
            FrameSource.put(buf, i, s, channels, bytesPerFrame, little);
        }
    }

    boolean finished() {
        return !loop && pos >= samples.length;
    }
}
