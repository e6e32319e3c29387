package dev.callgate.stream;

import java.util.Arrays;
import java.util.Objects;

/**
 * Converts a continuous stream of 16-bit mono PCM between Callgate's 48000 Hz and an external application's 8000,
 * 16000 or 24000 Hz, by the integer ratio 6, 3 or 2, with a linear-phase low-pass FIR filter.
 *
 * <p><b>Filter.</b> Windowed sinc (Kaiser window), designed once per low rate when the class loads and shared by all
 * instances (read only). The passband is the low rate's audio band — 3400 Hz at 8000 Hz, 7000 Hz at 16000 Hz, 10500 Hz
 * at 24000 Hz — and the stopband starts at the low rate's Nyquist frequency (4000, 8000, 12000 Hz); the cut-off is
 * the middle of that transition band (3700, 7500, 11250 Hz). Kaiser's formulas for {@value #STOPBAND_DB} dB give the
 * window's β ({@code 0.1102 × (A − 8.7)} = 6.20) and the length ({@code (A − 7.95) / (2.285 Δω) + 1}, rounded up to an
 * odd number so the delay is a whole number of 48 kHz samples): 319, 193 and 129 taps. The coefficients are scaled to
 * a DC gain of exactly 1. Measured on the coefficients at 1 Hz steps: passband within +0.006/−0.005 dB, stopband at
 * least 64.7 dB down, for all three rates ({@code ResamplerTest} holds them to ±0.05 dB and 60 dB; the requirement is
 * ±0.5 dB and 50 dB).
 *
 * <p><b>Down-sampling</b> (48000 Hz to the low rate) filters at 48 kHz and keeps every ratio-th sample; only the kept
 * samples are computed (taps / ratio multiply-adds per input sample). Output sample {@code j} of the stream is computed
 * when input sample {@code (j + 1) × ratio − 1} arrives, from the last {@code taps} input samples. Over the life of a
 * stream the output is {@code floor(total input / ratio)} samples: a call writes {@code (pending + len) / ratio}
 * samples, where {@code pending} ({@code 0 .. ratio−1}) is the input left over from earlier calls — a 10 ms frame
 * (480 samples) always gives exactly 80, 160 or 240. {@link #outputLength(int)} says how many the next call writes.
 *
 * <p><b>Up-sampling</b> (the low rate to 48000 Hz) is zero-stuffing followed by the same filter with gain × ratio,
 * computed as a polyphase filter: the products with the stuffed zeros are never formed, so each output sample costs
 * {@code ceil(taps / ratio)} multiply-adds (54, 65, 65). Each input sample gives exactly {@code ratio} output samples:
 * a call writes {@code len × ratio}.
 *
 * <p><b>Delay.</b> Group delay (taps − 1) / 2 samples at 48 kHz: 159 (3.31 ms) to and from 8000 Hz, 96 (2.00 ms) to and
 * from 16000 Hz, 64 (1.33 ms) to and from 24000 Hz ({@link #delayMillis()}). Up-sampling: an input sample {@code i}
 * peaks at output sample {@code i × ratio + delay}. Down-sampling: input sample {@code n} peaks in the output sample
 * computed when input sample {@code n + delay} arrives. A down-sampler also holds up to ratio − 1 input samples
 * (under 0.11 ms) until the next output sample is due.
 *
 * <p><b>State.</b> The filter's history (and, down-sampling, the position within the ratio) carries over from one
 * {@link #process} call to the next, so a stream split into frames of any size, even odd ones, is resampled exactly as
 * if it were one block. A new resampler starts from silence. Arithmetic is in {@code double} (strict IEEE 754 in Java
 * 17), so results are reproducible bit for bit. Output is rounded to the nearest integer and clipped to
 * {@code -32768 .. 32767}: a full-scale signal whose filtered version overshoots (a square wave's ripple) saturates
 * instead of wrapping around. {@link #process} allocates nothing.
 *
 * <p>One resampler per direction per call; not thread-safe.
 */
public final class Resampler {

    /** Callgate's call audio rate. */
    public static final int HIGH_RATE = 48_000;
    /** The stopband attenuation the filters are designed for (Kaiser's A). */
    static final double STOPBAND_DB = 65.0;

    private static final Design TO_8000 = Design.of(8_000, 3_400);
    private static final Design TO_16000 = Design.of(16_000, 7_000);
    private static final Design TO_24000 = Design.of(24_000, 10_500);

    private final int fromRate;
    private final int toRate;
    private final int ratio;
    private final boolean up;
    private final Design design;
    /** Down: the taps oldest-sample-first; up: ratio phases of {@code design.phaseLength} taps, each oldest-first. */
    private final double[] kernel;
    /** Samples the history holds: the filter length (down) or one phase's length (up). */
    private final int span;
    /** The last {@link #span} input samples, stored twice ({@code i} and {@code i + span}) so a window is contiguous. */
    private final double[] history;
    /** Where the next input sample goes, {@code 0 .. span−1}; the oldest held sample is at {@code history[next]}. */
    private int next;
    /** Down: input samples since the last output sample, {@code 0 .. ratio−1}. */
    private int pending;

    private Resampler(int fromRate, int toRate) {
        this.fromRate = fromRate;
        this.toRate = toRate;
        this.up = toRate == HIGH_RATE;
        int low = up ? fromRate : toRate;
        this.design = switch (low) {
            case 8_000 -> TO_8000;
            case 16_000 -> TO_16000;
            case 24_000 -> TO_24000;
            default -> throw new IllegalArgumentException("unsupported rate " + low);
        };
        this.ratio = design.ratio;
        this.kernel = up ? design.polyphase : design.reversed;
        this.span = up ? design.phaseLength : design.taps;
        this.history = new double[2 * span];
    }

    /**
     * A resampler from {@code fromRate} to {@code toRate}: one of them 48000, the other 8000, 16000 or 24000.
     *
     * @throws IllegalArgumentException for any other pair
     */
    public static Resampler of(int fromRate, int toRate) {
        if ((fromRate == HIGH_RATE) == (toRate == HIGH_RATE)) {
            throw new IllegalArgumentException(
                    "exactly one side must be " + HIGH_RATE + " Hz: " + fromRate + " -> " + toRate);
        }
        return new Resampler(fromRate, toRate);
    }

    /** From 48000 Hz down to {@code toRate} (8000, 16000 or 24000). */
    public static Resampler down(int toRate) {
        if (toRate == HIGH_RATE) {
            throw new IllegalArgumentException("unsupported rate " + toRate);
        }
        return of(HIGH_RATE, toRate);
    }

    /** From {@code fromRate} (8000, 16000 or 24000) up to 48000 Hz. */
    public static Resampler up(int fromRate) {
        if (fromRate == HIGH_RATE) {
            throw new IllegalArgumentException("unsupported rate " + fromRate);
        }
        return of(fromRate, HIGH_RATE);
    }

    /**
     * Resamples {@code len} samples of {@code in} from {@code off}, writing to {@code out} from {@code outOff}.
     *
     * @return the number of samples written: {@link #outputLength(int) outputLength(len)} — down-sampling
     *         {@code (pending + len) / ratio} (so {@code floor(total input / ratio)} over the stream), up-sampling
     *         {@code len × ratio}
     * @throws IndexOutOfBoundsException if the input range is outside {@code in} or the output does not fit in
     *         {@code out} from {@code outOff} (checked first: nothing is read, written or remembered then)
     */
    public int process(short[] in, int off, int len, short[] out, int outOff) {
        Objects.checkFromIndexSize(off, len, in.length);
        int produced = outputLength(len);
        Objects.checkFromIndexSize(outOff, produced, out.length);
        if (up) {
            interpolate(in, off, len, out, outOff);
        } else {
            decimate(in, off, len, out, outOff);
        }
        return produced;
    }

    /** How many samples {@link #process} writes for {@code len} more input samples, given this resampler's state. */
    public int outputLength(int len) {
        if (len < 0) {
            throw new IllegalArgumentException("negative length " + len);
        }
        return up ? Math.multiplyExact(len, ratio) : (int) (((long) pending + len) / ratio);
    }

    /** Forgets the stream: back to the state of a new resampler (silence before, nothing pending). */
    public void reset() {
        Arrays.fill(history, 0.0);
        next = 0;
        pending = 0;
    }

    /** The filter's group delay, (taps − 1) / 2 samples at 48 kHz, in milliseconds: 3.3125, 2.0 or 1.3333. */
    public double delayMillis() {
        return design.delaySamples() * 1000.0 / HIGH_RATE;
    }

    public int fromRate() {
        return fromRate;
    }

    public int toRate() {
        return toRate;
    }

    /** 6, 3 or 2. */
    public int ratio() {
        return ratio;
    }

    /** The filter's length in taps at 48 kHz (odd): 319, 193 or 129. */
    public int taps() {
        return design.taps;
    }

    /** A copy of the filter's coefficients at 48 kHz (DC gain 1, symmetric), for tests and documentation. */
    double[] coefficients() {
        return design.coefficients.clone();
    }

    private void decimate(short[] in, int off, int len, short[] out, int outOff) {
        double[] h = kernel;
        double[] x = history;
        int n = span;
        int o = outOff;
        for (int i = off, end = off + len; i < end; i++) {
            double s = in[i];
            x[next] = s;
            x[next + n] = s;
            next = next + 1 == n ? 0 : next + 1;
            if (++pending == ratio) {
                pending = 0;
                // x[next .. next + n - 1]: the last n input samples, oldest first; h is the filter reversed.
                double acc = 0.0;
                for (int k = 0, b = next; k < n; k++) {
                    acc += h[k] * x[b + k];
                }
                out[o++] = clip(acc);
            }
        }
    }

    private void interpolate(short[] in, int off, int len, short[] out, int outOff) {
        double[] h = kernel;
        double[] x = history;
        int k = span;
        int o = outOff;
        for (int i = off, end = off + len; i < end; i++) {
            double s = in[i];
            x[next] = s;
            x[next + k] = s;
            next = next + 1 == k ? 0 : next + 1;
            // Output i × ratio + p = ratio × Σ_j h[p + j × ratio] × in[i − j]: phase p's taps against the last k inputs.
            for (int p = 0, base = 0; p < ratio; p++, base += k) {
                double acc = 0.0;
                for (int t = 0, b = next; t < k; t++) {
                    acc += h[base + t] * x[b + t];
                }
                out[o++] = clip(acc);
            }
        }
    }

    private static short clip(double v) {
        long r = Math.round(v);
        if (r > Short.MAX_VALUE) {
            return Short.MAX_VALUE;
        }
        if (r < Short.MIN_VALUE) {
            return Short.MIN_VALUE;
        }
        return (short) r;
    }

    /** One low rate's filter, in the two layouts the directions use. */
    private static final class Design {
        final int ratio;
        final int taps;
        /** h[0 .. taps−1], DC gain 1. */
        final double[] coefficients;
        /** h reversed (for a history stored oldest first). */
        final double[] reversed;
        /** ceil(taps / ratio). */
        final int phaseLength;
        /** ratio × h, zero-padded to ratio × phaseLength, as phase p = h[p + j × ratio], j reversed, per phase. */
        final double[] polyphase;

        private Design(int ratio, double[] h) {
            this.ratio = ratio;
            this.taps = h.length;
            this.coefficients = h;
            this.reversed = new double[taps];
            for (int k = 0; k < taps; k++) {
                reversed[k] = h[taps - 1 - k];
            }
            this.phaseLength = (taps + ratio - 1) / ratio;
            this.polyphase = new double[ratio * phaseLength];
            for (int p = 0; p < ratio; p++) {
                for (int j = 0; j < phaseLength; j++) {
                    int tap = p + j * ratio;
                    polyphase[p * phaseLength + (phaseLength - 1 - j)] = tap < taps ? ratio * h[tap] : 0.0;
                }
            }
        }

        int delaySamples() {
            return (taps - 1) / 2;
        }

        /**
         * Kaiser-windowed sinc low-pass at 48 kHz for {@code lowRate}: passband to {@code passbandEdge}, stopband from
         * lowRate / 2, {@value #STOPBAND_DB} dB.
         */
        static Design of(int lowRate, int passbandEdge) {
            int ratio = HIGH_RATE / lowRate;
            double stopbandEdge = lowRate / 2.0;
            double cutoff = (passbandEdge + stopbandEdge) / 2.0 / HIGH_RATE; // cycles per sample
            double transition = 2 * Math.PI * (stopbandEdge - passbandEdge) / HIGH_RATE; // radians per sample
            double beta = 0.1102 * (STOPBAND_DB - 8.7);
            int taps = (int) Math.ceil((STOPBAND_DB - 7.95) / (2.285 * transition)) + 1;
            if (taps % 2 == 0) {
                taps++;
            }
            double centre = (taps - 1) / 2.0;
            double i0Beta = besselI0(beta);
            double[] h = new double[taps];
            double sum = 0.0;
            for (int n = 0; n < taps; n++) {
                double t = n - centre;
                double sinc = t == 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
                double r = t / centre;
                double window = besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
                h[n] = sinc * window;
                sum += h[n];
            }
            for (int n = 0; n < taps; n++) {
                h[n] /= sum;
            }
            return new Design(ratio, h);
        }

        /** The modified Bessel function of the first kind, order 0: Σ ((x/2)^k / k!)². */
        static double besselI0(double x) {
            double sum = 1.0;
            double term = 1.0;
            double half = x / 2;
            for (int k = 1; k < 200; k++) {
                term *= half / k;
                double t2 = term * term;
                sum += t2;
                if (t2 < sum * 1e-17) {
                    break;
                }
            }
            return sum;
        }
    }
}
