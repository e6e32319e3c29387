package dev.callgate.media;

import java.nio.ByteOrder;

/**
 * Phase-continuous sine generator writing signed 16-bit PCM.
 *
 * <p>Level convention (AES17): 0 dBFS is a full-scale sine, so a tone generated at {@code levelDbfs} has a peak of
 * {@code 32767 * 10^(levelDbfs/20)} and {@link AudioMeter} reports the same value back.
 *
 * <p>The frequency may be changed from any thread ({@link #setFrequency}); the phase stays continuous, so the change
 * produces no click. {@link #fill} must be called from one thread at a time (the audio module's capture thread).
 * A frequency of 0 produces digital silence.
 */
public final class ToneGenerator {

    private final double amplitude;
    private volatile double frequencyHz;
    /** Phase in radians, in [0, 2π); touched only by the filling thread. */
    private double phase;

    public ToneGenerator(double frequencyHz, double levelDbfs) {
        if (levelDbfs > 0) {
            throw new IllegalArgumentException("level must be <= 0 dBFS: " + levelDbfs);
        }
        this.amplitude = 32767.0 * Math.pow(10.0, levelDbfs / 20.0);
        setFrequency(frequencyHz);
    }

    public void setFrequency(double hz) {
        if (!(hz >= 0) || Double.isInfinite(hz)) {
            throw new IllegalArgumentException("frequency must be >= 0 and finite: " + hz);
        }
        this.frequencyHz = hz;
    }

    public double frequency() {
        return frequencyHz;
    }

    /** Next sample at the given sample rate, as a signed 16-bit value. */
    public short nextSample(int sampleRate) {
        double f = frequencyHz;
        if (f == 0 || f >= sampleRate / 2.0) {
            // Silence (or a frequency that cannot be represented): keep the phase where it is.
            return 0;
        }
        double value = amplitude * Math.sin(phase);
        phase += 2 * Math.PI * f / sampleRate;
        if (phase >= 2 * Math.PI) {
            phase -= 2 * Math.PI;
        }
        return (short) Math.round(value);
    }

    /**
     * Writes {@code frames} sample frames of interleaved signed 16-bit PCM into {@code buf} starting at {@code offset},
     * the same sample on every channel. {@code bytesPerFrame} is the size of one frame (all channels); each channel
     * sample takes {@code bytesPerFrame / channels} bytes, of which the 16-bit value fills the two most significant
     * ones (any lower bytes are zeroed), in the given byte order.
     *
     * @return the number of frames written
     */
    public int fill(byte[] buf, int offset, int frames, int channels, int bytesPerFrame, int sampleRate,
            ByteOrder order) {
        if (channels < 1 || bytesPerFrame < 2 * channels || bytesPerFrame % channels != 0) {
            throw new IllegalArgumentException(
                    "unsupported layout: channels=" + channels + " bytesPerFrame=" + bytesPerFrame);
        }
        if (offset < 0 || frames < 0 || (long) offset + (long) frames * bytesPerFrame > buf.length) {
            throw new IllegalArgumentException("buffer too small: " + buf.length + " bytes for " + frames + " frames");
        }
        int width = bytesPerFrame / channels;
        boolean little = order == ByteOrder.LITTLE_ENDIAN;
        int pos = offset;
        for (int i = 0; i < frames; i++) {
            pos = writeSample(buf, pos, nextSample(sampleRate), channels, width, little);
        }
        return frames;
    }

    /**
     * Writes one 16-bit sample on every channel of one frame at {@code pos}: the value in the two most significant bytes
     * of each {@code width}-byte channel sample, any lower bytes zeroed. Returns the position after the frame.
     */
    static int writeSample(byte[] buf, int pos, short s, int channels, int width, boolean little) {
        byte hi = (byte) (s >> 8);
        byte lo = (byte) s;
        for (int c = 0; c < channels; c++) {
            if (little) {
                for (int z = 0; z < width - 2; z++) {
                    buf[pos++] = 0;
                }
                buf[pos++] = lo;
                buf[pos++] = hi;
            } else {
                buf[pos++] = hi;
                buf[pos++] = lo;
                for (int z = 0; z < width - 2; z++) {
                    buf[pos++] = 0;
                }
            }
        }
        return pos;
    }
}
