package dev.callgate.media;

import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Instant;

/**
 * Accumulates received PCM and measures it: RMS level and dominant frequency over the most recent
 * {@value #WINDOW} samples (about 170 ms at 48 kHz).
 *
 * <p>Input is whatever an {@code AudioTrackSink.onData} delivers: interleaved integer PCM of 8 (unsigned), 16, 24 or 32
 * bits (signed) in native byte order, any channel count (mixed down to mono by averaging) and any sample rate
 * (linearly resampled to {@value #RATE} Hz). The level follows AES17: a full-scale sine is 0 dBFS; silence reads
 * {@value #FLOOR_DBFS}. The dominant frequency comes from a {@value #WINDOW}-point radix-2 FFT with a Hann window and
 * parabolic interpolation of the peak (bin width 5.9 Hz); it is 0 for silence. The FFT runs lazily in
 * {@link #snapshot()}, never on the audio thread.
 *
 * <p>Thread-safe: {@link #accept} is called on the playout thread, {@link #snapshot()} from anywhere.
 */
public final class AudioMeter {

    public static final int RATE = 48_000;
    public static final int WINDOW = 8192;
    public static final double FLOOR_DBFS = -120.0;
    /** Below this level no frequency is reported. */
    static final double SILENCE_DBFS = -90.0;
    private static final double FULL_SCALE = 32767.0;
    private static final boolean NATIVE_LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final Clock clock;
    private final double[] ring = new double[WINDOW];
    private int writePos;
    private long samples;
    private long frames;
    private Instant firstFrameAt;
    private long unsupported;
    private String lastFormat = "none";

    // Linear resampler state (only used when the input rate is not RATE).
    private int resampleFrom;
    private double resamplePrev;
    private double resamplePos;
    private boolean resampleStarted;

    public AudioMeter() {
        this(Clock.systemUTC());
    }

    AudioMeter(Clock clock) {
        this.clock = clock;
    }

    /**
     * Adds one buffer as delivered by {@code AudioTrackSink.onData(data, bitsPerSample, sampleRate, channels, frames)}.
     * Buffers in a format it cannot read are counted as frames but add no samples.
     */
    public void accept(byte[] data, int bitsPerSample, int sampleRate, int channels, int frameCount) {
        int bytesPerSample = bitsPerSample / 8;
        boolean readable = data != null && channels >= 1 && sampleRate > 0 && frameCount > 0
                && bitsPerSample % 8 == 0 && bytesPerSample >= 1 && bytesPerSample <= 4
                && (long) frameCount * channels * bytesPerSample <= data.length;
        synchronized (this) {
            if (firstFrameAt == null) {
                firstFrameAt = clock.instant();
            }
            frames++;
            lastFormat = bitsPerSample + " bit, " + sampleRate + " Hz, " + channels + " ch, " + frameCount + " frames";
            if (!readable) {
                unsupported++;
                return;
            }
            int pos = 0;
            for (int i = 0; i < frameCount; i++) {
                double sum = 0;
                for (int c = 0; c < channels; c++) {
                    sum += read(data, pos, bytesPerSample);
                    pos += bytesPerSample;
                }
                push(sum / channels, sampleRate);
            }
        }
    }

    /** Number of buffers that could not be read (unsupported format). */
    public synchronized long unsupportedFrames() {
        return unsupported;
    }

    /** Format of the last buffer received, for diagnostics ("16 bit, 48000 Hz, 1 ch, 480 frames"). */
    public synchronized String lastFormat() {
        return lastFormat;
    }

    /** Reads one sample scaled to the signed 16-bit range. */
    private static double read(byte[] d, int p, int width) {
        switch (width) {
            case 1:
                return ((d[p] & 0xff) - 128) * 256.0;
            case 2: {
                int v = NATIVE_LITTLE ? (d[p] & 0xff) | (d[p + 1] << 8) : (d[p + 1] & 0xff) | (d[p] << 8);
                return (short) v;
            }
            case 3: {
                int v = NATIVE_LITTLE
                        ? (d[p] & 0xff) | ((d[p + 1] & 0xff) << 8) | (d[p + 2] << 16)
                        : (d[p + 2] & 0xff) | ((d[p + 1] & 0xff) << 8) | (d[p] << 16);
                return v / 256.0;
            }
            default: {
                int v = NATIVE_LITTLE
                        ? (d[p] & 0xff) | ((d[p + 1] & 0xff) << 8) | ((d[p + 2] & 0xff) << 16) | (d[p + 3] << 24)
                        : (d[p + 3] & 0xff) | ((d[p + 2] & 0xff) << 8) | ((d[p + 1] & 0xff) << 16) | (d[p] << 24);
                return v / 65536.0;
            }
        }
    }

    private void push(double x, int rate) {
        if (rate == RATE) {
            store(x);
            return;
        }
        if (rate != resampleFrom) {
            resampleFrom = rate;
            resampleStarted = false;
        }
        if (!resampleStarted) {
            resampleStarted = true;
            resamplePrev = x;
            resamplePos = 0;
            store(x);
            resamplePos += (double) rate / RATE;
            return;
        }
        // Output positions are measured in input samples from resamplePrev; x sits at position 1.
        double step = (double) rate / RATE;
        while (resamplePos <= 1.0) {
            store(resamplePrev + (x - resamplePrev) * resamplePos);
            resamplePos += step;
        }
        resamplePos -= 1.0;
        resamplePrev = x;
    }

    private void store(double x) {
        ring[writePos] = x;
        writePos = (writePos + 1) % WINDOW;
        samples++;
    }

    /** Measures what has been received so far. */
    public AudioStats snapshot() {
        double[] window;
        long frameCount;
        Instant first;
        synchronized (this) {
            frameCount = frames;
            first = firstFrameAt;
            int n = (int) Math.min(samples, WINDOW);
            window = new double[n];
            int start = Math.floorMod(writePos - n, WINDOW);
            for (int i = 0; i < n; i++) {
                window[i] = ring[(start + i) % WINDOW];
            }
        }
        double level = levelDbfs(window);
        double hz = level <= SILENCE_DBFS ? 0.0 : dominantHz(window, RATE);
        return new AudioStats(frameCount, level, hz, first);
    }

    /**
     * RMS level of one received buffer (channels averaged), in dBFS where a full-scale sine is 0; the floor for a
     * buffer that cannot be read.
     */
    static double levelDbfs(byte[] data, int bitsPerSample, int channels, int frameCount) {
        int bytesPerSample = bitsPerSample / 8;
        if (data == null || channels < 1 || frameCount < 1 || bitsPerSample % 8 != 0 || bytesPerSample < 1
                || bytesPerSample > 4 || (long) frameCount * channels * bytesPerSample > data.length) {
            return FLOOR_DBFS;
        }
        double[] samples = new double[frameCount];
        int pos = 0;
        for (int i = 0; i < frameCount; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += read(data, pos, bytesPerSample);
                pos += bytesPerSample;
            }
            samples[i] = sum / channels;
        }
        return levelDbfs(samples);
    }

    /** RMS level of samples in the signed 16-bit range, in dBFS where a full-scale sine is 0. */
    static double levelDbfs(double[] x) {
        if (x.length == 0) {
            return FLOOR_DBFS;
        }
        double sum = 0;
        for (double v : x) {
            sum += v * v;
        }
        double rms = Math.sqrt(sum / x.length);
        if (rms == 0) {
            return FLOOR_DBFS;
        }
        return Math.max(FLOOR_DBFS, 20 * Math.log10(rms * Math.sqrt(2) / FULL_SCALE));
    }

    /** Frequency of the strongest spectral peak (Hann window, zero-padded to WINDOW, parabolic interpolation). */
    public static double dominantHz(double[] x, int rate) {
        int n = x.length;
        if (n < 64) {
            return 0.0;
        }
        double[] re = new double[WINDOW];
        double[] im = new double[WINDOW];
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= n;
        for (int i = 0; i < n; i++) {
            double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
            re[i] = (x[i] - mean) * w;
        }
        fft(re, im);
        int half = WINDOW / 2;
        double[] mag = new double[half];
        for (int k = 0; k < half; k++) {
            mag[k] = Math.hypot(re[k], im[k]);
        }
        int peak = 1;
        for (int k = 2; k < half - 1; k++) {
            if (mag[k] > mag[peak]) {
                peak = k;
            }
        }
        if (mag[peak] == 0) {
            return 0.0;
        }
        double offset = 0;
        double a = mag[peak - 1];
        double b = mag[peak];
        double c = mag[peak + 1];
        if (a > 0 && c > 0) {
            double la = Math.log(a);
            double lb = Math.log(b);
            double lc = Math.log(c);
            double den = la - 2 * lb + lc;
            if (den != 0) {
                offset = Math.max(-0.5, Math.min(0.5, 0.5 * (la - lc) / den));
            }
        }
        return (peak + offset) * rate / (double) WINDOW;
    }

    /** In-place iterative radix-2 FFT; the length must be a power of two. */
    public static void fft(double[] re, double[] im) {
        int n = re.length;
        if (Integer.bitCount(n) != 1 || im.length != n) {
            throw new IllegalArgumentException("length must be a power of two: " + n);
        }
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double ang = -2 * Math.PI / len;
            double wRe = Math.cos(ang);
            double wIm = Math.sin(ang);
            for (int i = 0; i < n; i += len) {
                double curRe = 1;
                double curIm = 0;
                for (int k = 0; k < len / 2; k++) {
                    int p = i + k;
                    int q = p + len / 2;
                    double tRe = re[q] * curRe - im[q] * curIm;
                    double tIm = re[q] * curIm + im[q] * curRe;
                    re[q] = re[p] - tRe;
                    im[q] = im[p] - tIm;
                    re[p] += tRe;
                    im[p] += tIm;
                    double nRe = curRe * wRe - curIm * wIm;
                    curIm = curRe * wIm + curIm * wRe;
                    curRe = nRe;
                }
            }
        }
    }
}
