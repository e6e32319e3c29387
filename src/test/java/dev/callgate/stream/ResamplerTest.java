package dev.callgate.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResamplerTest {

    private static final int HIGH = 48_000;
    /** A sine at −6 dBFS. */
    private static final double AMPLITUDE = 32767 * Math.pow(10, -6 / 20.0);
    /** Test signals last 300 ms; levels and spectra are read over 100..200 ms, long after the filter settled. */
    private static final int SIGNAL_MS = 300;
    private static final int WINDOW_FROM_MS = 100;
    /** 100 ms: every test frequency (a multiple of 10 Hz) is a whole number of periods, a whole Goertzel bin. */
    private static final int WINDOW_MS = 100;
    /** The product's requirement for stopband and images (the filters are designed for 65 dB, measured ≥ 64 dB). */
    private static final double REQUIRED_REJECTION_DB = 50.0;

    // ---------------------------------------------------------------------------------------------------- helpers

    private static int passbandEdge(int lowRate) {
        return switch (lowRate) {
            case 8_000 -> 3_400;
            case 16_000 -> 7_000;
            case 24_000 -> 10_500;
            default -> throw new IllegalArgumentException();
        };
    }

    private static short[] sine(double freq, int rate, double amplitude) {
        short[] s = new short[rate * SIGNAL_MS / 1000];
        for (int n = 0; n < s.length; n++) {
            s[n] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * freq * n / rate));
        }
        return s;
    }

    /** Noise plus a sweep: every frequency, deterministic. */
    private static short[] testSignal(int rate, int length) {
        SplittableRandom random = new SplittableRandom(20_240_611);
        short[] s = new short[length];
        double phase = 0;
        for (int n = 0; n < length; n++) {
            phase += 2 * Math.PI * (100 + 20_000.0 * n / length) / rate;
            s[n] = (short) Math.round(12_000 * Math.sin(phase) + random.nextInt(-8_000, 8_001));
        }
        return s;
    }

    /** 10 ms frames on the 48 kHz side, 20 ms frames (as agents send them) on the low side. */
    private static int frameSize(int rate) {
        return rate == HIGH ? 480 : rate / 50;
    }

    /** Feeds {@code in} in chunks of the given sizes (cycled), checking every call's count, and returns all output. */
    private static short[] run(Resampler r, short[] in, int... chunks) {
        short[] out = new short[in.length * 6 + 6];
        int o = 0;
        int total = 0;
        for (int i = 0, c = 0; i < in.length; c++) {
            int len = Math.min(chunks[c % chunks.length], in.length - i);
            int expected = r.outputLength(len);
            int written = r.process(in, i, len, out, o);
            assertThat(written).isEqualTo(expected);
            o += written;
            i += len;
            total += len;
        }
        int ratio = r.ratio();
        assertThat(o).isEqualTo(r.toRate() == HIGH ? total * ratio : total / ratio);
        return java.util.Arrays.copyOf(out, o);
    }

    private static short[] run(Resampler r, short[] in) {
        return run(r, in, frameSize(r.fromRate()));
    }

    private static int windowStart(int rate) {
        return rate * WINDOW_FROM_MS / 1000;
    }

    private static int windowLength(int rate) {
        return rate * WINDOW_MS / 1000;
    }

    private static double rms(short[] s, int rate) {
        int from = windowStart(rate);
        int len = windowLength(rate);
        double sum = 0;
        for (int n = from; n < from + len; n++) {
            sum += (double) s[n] * s[n];
        }
        return Math.sqrt(sum / len);
    }

    /** Amplitude of the sinusoid at {@code freq} (a whole number of bins) in the analysis window: 2 |X(k)| / N. */
    private static double amplitudeAt(short[] s, int rate, double freq) {
        int from = windowStart(rate);
        int len = windowLength(rate);
        // Goertzel.
        double coeff = 2 * Math.cos(2 * Math.PI * freq / rate);
        double s1 = 0;
        double s2 = 0;
        for (int n = from; n < from + len; n++) {
            double s0 = s[n] + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        return 2 * Math.sqrt(Math.max(power, 0)) / len;
    }

    /**
     * The frequency of the strongest bin of a Hann-windowed FFT over a power-of-two window (at least 128 ms, from
     * {@value #WINDOW_FROM_MS} ms): bins 5.9 or 7.8 Hz apart. DC excluded.
     */
    private static double dominantFrequency(short[] s, int rate) {
        int size = Integer.highestOneBit(rate * 128 / 1000 - 1) << 1;
        int from = windowStart(rate);
        double[] re = new double[size];
        double[] im = new double[size];
        for (int n = 0; n < size; n++) {
            re[n] = s[from + n] * (0.5 - 0.5 * Math.cos(2 * Math.PI * n / size));
        }
        dev.callgate.media.AudioMeter.fft(re, im);
        int best = 1;
        for (int k = 2; k < size / 2; k++) {
            if (re[k] * re[k] + im[k] * im[k] > re[best] * re[best] + im[best] * im[best]) {
                best = k;
            }
        }
        return (double) best * rate / size;
    }

    private static double db(double ratio) {
        return 20 * Math.log10(ratio);
    }

    /** The zero-phase amplitude response of the symmetric filter at {@code freq} (48 kHz). */
    private static double response(double[] h, double freq) {
        double centre = (h.length - 1) / 2.0;
        double w = 2 * Math.PI * freq / HIGH;
        double sum = 0;
        for (int n = 0; n < h.length; n++) {
            sum += h[n] * Math.cos(w * (n - centre));
        }
        return sum;
    }

    /**
     * The textbook resampler, written independently of {@link Resampler}'s polyphase and ring buffer: zero-stuff (up)
     * and convolve the whole signal with the filter at 48 kHz, then keep every ratio-th sample (down: the one at
     * {@code (j + 1) × ratio − 1}). Not rounded, not clipped.
     */
    private static double[] direct(int from, int to, double[] h, short[] in) {
        boolean up = to == HIGH;
        int ratio = up ? HIGH / from : HIGH / to;
        int highLength = up ? in.length * ratio : in.length;
        double[] high = new double[highLength];
        for (int n = 0; n < in.length; n++) {
            if (up) {
                high[n * ratio] = ratio * (double) in[n];
            } else {
                high[n] = in[n];
            }
        }
        double[] filtered = new double[highLength];
        for (int n = 0; n < highLength; n++) {
            double acc = 0;
            for (int k = 0; k < h.length && k <= n; k++) {
                acc += h[k] * high[n - k];
            }
            filtered[n] = acc;
        }
        if (up) {
            return filtered;
        }
        double[] out = new double[in.length / ratio];
        for (int j = 0; j < out.length; j++) {
            out[j] = filtered[(j + 1) * ratio - 1];
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------------ tests

    @ParameterizedTest
    @ValueSource(ints = {8_000, 16_000, 24_000})
    void filterIsFlatInThePassbandAndAtLeast60DbDownInTheStopband(int lowRate) {
        Resampler r = Resampler.down(lowRate);
        double[] h = r.coefficients();
        assertThat(h.length).isEqualTo(r.taps()).isOdd();
        double sum = 0;
        for (int n = 0; n < h.length; n++) {
            assertThat(h[n]).isEqualTo(h[h.length - 1 - n]); // linear phase
            sum += h[n];
        }
        assertThat(sum).isCloseTo(1.0, within(1e-12));

        double worstPassband = 0;
        double worstStopband = -999;
        for (int f = 0; f <= HIGH / 2; f += 5) {
            double level = db(Math.abs(response(h, f)));
            if (f <= passbandEdge(lowRate)) {
                worstPassband = Math.max(worstPassband, Math.abs(level));
            } else if (f >= lowRate / 2) {
                worstStopband = Math.max(worstStopband, level);
            }
        }
        // Requirement: ±0.5 dB and ≥ 50 dB; the Kaiser design (A = 65 dB) gives ±0.01 dB and ≥ 64 dB.
        assertThat(worstPassband).as("passband deviation, dB").isLessThan(0.05);
        assertThat(worstStopband).as("stopband, dB").isLessThan(-60.0);
    }

    @ParameterizedTest(name = "{0} Hz -> {1} Hz, {2} Hz")
    @CsvSource({
        "48000, 8000, 1000", "48000, 8000, 3000",
        "48000, 16000, 1000", "48000, 16000, 6000",
        "48000, 24000, 1000", "48000, 24000, 9000",
        "8000, 48000, 1000", "8000, 48000, 3000",
        "16000, 48000, 1000", "16000, 48000, 6000",
        "24000, 48000, 1000", "24000, 48000, 9000"})
    void passbandToneKeepsItsFrequencyAndLevel(int from, int to, int freq) {
        short[] in = sine(freq, from, AMPLITUDE);
        short[] out = run(Resampler.of(from, to), in);

        assertThat(dominantFrequency(out, to)).isCloseTo(freq, within(15.0));
        assertThat(dominantFrequency(in, from)).isCloseTo(freq, within(15.0)); // the helper itself
        double gainDb = db(rms(out, to) / rms(in, from));
        // Requirement ±0.5 dB; the passband is flat within ±0.01 dB.
        assertThat(gainDb).as("gain, dB").isCloseTo(0.0, within(0.1));

        if (to == HIGH) {
            // Up-sampling's images (k × from ± freq) are gone.
            int ratio = HIGH / from;
            for (int k = 1; k < ratio; k++) {
                for (int image : new int[] {k * from - freq, k * from + freq}) {
                    if (image < HIGH / 2) {
                        assertThat(db(amplitudeAt(out, to, image) / AMPLITUDE)).as("image at %d Hz", image)
                                .isLessThan(-REQUIRED_REJECTION_DB);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "48000 Hz -> {0} Hz, {1} Hz")
    @CsvSource({
        "8000, 5000", "8000, 4010", "8000, 4600", "8000, 7000", "8000, 9000", "8000, 12000", "8000, 20000",
        "8000, 23990",
        "16000, 8010", "16000, 9000", "16000, 12000", "16000, 17000", "16000, 23990",
        "24000, 12010", "24000, 13500", "24000, 18000", "24000, 23990"})
    void toneAboveTheLowNyquistDoesNotFoldBack(int to, int freq) {
        short[] in = sine(freq, HIGH, AMPLITUDE);
        short[] out = run(Resampler.down(to), in);

        double rejectionDb = db(rms(out, to) / rms(in, HIGH));
        assertThat(rejectionDb).as("everything left of a %d Hz tone at %d Hz, dB", freq, to)
                .isLessThan(-REQUIRED_REJECTION_DB);
        if (to == 8_000 && freq == 5_000) {
            // Where it would fold to.
            assertThat(db(amplitudeAt(out, to, 3_000) / AMPLITUDE)).isLessThan(-REQUIRED_REJECTION_DB);
        }
    }

    @Test
    void toneJustBelow4kHzUpsampledLeavesNoImageAbove4kHz() {
        short[] in = sine(3_900, 8_000, AMPLITUDE);
        short[] out = run(Resampler.up(8_000), in);

        // 3900 Hz lies in the transition band (3400..4000 Hz, cut-off 3700 Hz), so the filter attenuates the tone
        // itself (by 28 dB); its image at 4100 Hz — mirrored around 4000 Hz — is attenuated even more. A comparison
        // with the attenuated output tone would only measure the filter's slope across 200 Hz, so the images are
        // compared with the tone's level at the input (what a perfect interpolator would put out): at least 50 dB
        // below it.
        double toneDb = db(amplitudeAt(out, HIGH, 3_900) / AMPLITUDE);
        assertThat(toneDb).as("3900 Hz tone after the filter, dB").isBetween(-35.0, -20.0);
        for (int image : new int[] {4_100, 11_900, 12_100, 19_900, 20_100}) {
            assertThat(db(amplitudeAt(out, HIGH, image) / AMPLITUDE)).as("image at %d Hz", image)
                    .isLessThan(-REQUIRED_REJECTION_DB);
            assertThat(amplitudeAt(out, HIGH, image)).isLessThan(amplitudeAt(out, HIGH, 3_900));
        }
    }

    @ParameterizedTest(name = "{0} Hz -> {1} Hz")
    @CsvSource({"48000, 8000", "48000, 16000", "48000, 24000", "8000, 48000", "16000, 48000", "24000, 48000"})
    void frameSplittingDoesNotChangeTheOutput(int from, int to) {
        short[] in = testSignal(from, from / 5 + 7); // 200 ms and a bit: not a whole number of frames
        short[] whole = run(Resampler.of(from, to), in, in.length);
        short[] frames = run(Resampler.of(from, to), in, frameSize(from));
        short[] odd = run(Resampler.of(from, to), in, 1, 7, 13, 479, 2, 161, 5, 0, 333, 4);

        assertThat(frames).isEqualTo(whole);
        assertThat(odd).isEqualTo(whole);
        assertThat(whole).hasSize(to == HIGH ? in.length * (HIGH / from) : in.length / (from / to));
    }

    @ParameterizedTest(name = "{0} Hz -> {1} Hz")
    @CsvSource({"48000, 8000", "48000, 16000", "48000, 24000", "8000, 48000", "16000, 48000", "24000, 48000"})
    void polyphaseOutputEqualsTheTextbookZeroStuffedConvolution(int from, int to) {
        Resampler r = Resampler.of(from, to);
        short[] in = testSignal(from, from / 20);
        short[] out = run(r, in, 37);
        double[] expected = direct(from, to, r.coefficients(), in);

        assertThat(out).hasSameSizeAs(expected);
        double worst = 0;
        for (int n = 0; n < out.length; n++) {
            double e = Math.max(-32768, Math.min(32767, expected[n]));
            worst = Math.max(worst, Math.abs(out[n] - e));
        }
        // Rounded to the nearest integer; the summation order differs, so allow for a value within 1e-6 of a .5.
        assertThat(worst).isLessThanOrEqualTo(0.5 + 1e-6);
    }

    @ParameterizedTest(name = "{0} Hz -> {1} Hz")
    @CsvSource({"48000, 8000", "48000, 16000", "48000, 24000", "8000, 48000", "16000, 48000", "24000, 48000"})
    void silenceStaysSilenceAndSpeechDecaysToExactSilence(int from, int to) {
        short[] silence = new short[from / 10];
        assertThat(run(Resampler.of(from, to), silence)).containsOnly((short) 0);

        Resampler r = Resampler.of(from, to);
        run(r, testSignal(from, from / 10));
        short[] after = run(r, silence);
        // Once the last non-zero input has left the filter (taps samples at 48 kHz), the output is exactly zero.
        int flushed = to == HIGH ? r.taps() + r.ratio() : (r.taps() + r.ratio()) / r.ratio();
        assertThat(after[flushed / 2]).isNotZero(); // the tail of the signal is still coming out
        assertThat(java.util.Arrays.copyOfRange(after, flushed, after.length)).containsOnly((short) 0);
    }

    @ParameterizedTest(name = "{0} Hz -> {1} Hz")
    @CsvSource({"48000, 8000", "48000, 16000", "48000, 24000", "8000, 48000", "16000, 48000", "24000, 48000"})
    void fullScaleSquareWaveClipsWithoutWrappingAround(int from, int to) {
        int period = from / 500; // 500 Hz
        short[] in = new short[from * SIGNAL_MS / 1000];
        for (int n = 0; n < in.length; n++) {
            in[n] = n % period < period / 2 ? Short.MAX_VALUE : Short.MIN_VALUE;
        }
        Resampler r = Resampler.of(from, to);
        short[] out = run(r, in);
        double[] unclipped = direct(from, to, r.coefficients(), in);

        // The band-limited square overshoots full scale (Gibbs): those samples saturate, never wrap.
        int clippedHigh = 0;
        int clippedLow = 0;
        double worst = 0;
        for (int n = 0; n < out.length; n++) {
            if (unclipped[n] > 32767.5) {
                clippedHigh++;
            } else if (unclipped[n] < -32768.5) {
                clippedLow++;
            }
            worst = Math.max(worst, Math.abs(out[n] - Math.max(-32768, Math.min(32767, unclipped[n]))));
        }
        assertThat(worst).as("largest difference from the clipped exact value").isLessThanOrEqualTo(0.5 + 1e-6);
        assertThat(clippedHigh).as("samples over full scale").isPositive();
        assertThat(clippedLow).as("samples under full scale").isPositive();

        // Settled output changes sign exactly twice per period: a wrapped sample would add sign flips.
        int outPeriod = to / 500;
        int start = windowStart(to);
        int len = windowLength(to);
        int flips = 0;
        for (int n = start + 1; n <= start + len; n++) { // len steps: exactly 50 periods
            if ((out[n] < 0) != (out[n - 1] < 0)) {
                flips++;
            }
        }
        assertThat(flips).isEqualTo(2 * len / outPeriod);
    }

    @ParameterizedTest(name = "{0} Hz -> {1} Hz")
    @CsvSource({
        "48000, 8000, 3.3125", "48000, 16000, 2.0", "48000, 24000, 1.3333",
        "8000, 48000, 3.3125", "16000, 48000, 2.0", "24000, 48000, 1.3333"})
    void delayIsTheFiltersGroupDelay(int from, int to, double millis) {
        Resampler r = Resampler.of(from, to);
        assertThat(r.delayMillis()).isCloseTo(millis, within(1e-4));
        int delay = (int) Math.round(r.delayMillis() * HIGH / 1000);
        assertThat(delay).isEqualTo((r.taps() - 1) / 2);

        short[] in = new short[from / 50];
        int peakAt;
        if (to == HIGH) {
            int i = 10;
            in[i] = 10_000;
            peakAt = i * r.ratio() + delay;
        } else {
            // An impulse at n is the centre of the output sample computed when input n + delay arrives.
            int n = 100 + r.ratio() - (100 + delay + 1) % r.ratio();
            in[n] = 10_000;
            peakAt = (n + delay + 1) / r.ratio() - 1;
        }
        short[] out = run(r, in);
        int argmax = 0;
        for (int k = 1; k < out.length; k++) {
            if (out[k] > out[argmax]) {
                argmax = k;
            }
        }
        assertThat(argmax).isEqualTo(peakAt);
    }

    @Test
    void countsFollowTheRatioAcrossCalls() {
        Resampler down = Resampler.down(8_000);
        short[] out = new short[100];
        assertThat(down.outputLength(5)).isZero();
        assertThat(down.process(new short[5], 0, 5, out, 0)).isZero();
        assertThat(down.outputLength(1)).isEqualTo(1);
        assertThat(down.outputLength(480)).isEqualTo(80); // 5 pending + 480 = 485 → 80, 5 pending
        assertThat(down.process(new short[480], 0, 480, out, 0)).isEqualTo(80);
        assertThat(down.process(new short[1], 0, 1, out, 0)).isEqualTo(1);
        assertThat(down.process(new short[480], 0, 480, out, 0)).isEqualTo(80);

        Resampler up = Resampler.up(24_000);
        assertThat(up.process(new short[7], 0, 7, out, 3)).isEqualTo(14);
        assertThat(up.outputLength(480)).isEqualTo(960);
    }

    @Test
    void refusesOtherRatesAndTooSmallOutputs() {
        assertThatThrownBy(() -> Resampler.of(48_000, 44_100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Resampler.of(8_000, 16_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Resampler.of(48_000, 48_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Resampler.down(48_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Resampler.up(12_000)).isInstanceOf(IllegalArgumentException.class);

        // A refused call leaves the state alone: the stream continues as if it had not happened.
        short[] in = testSignal(HIGH, 960);
        Resampler refused = Resampler.down(16_000);
        Resampler clean = Resampler.down(16_000);
        short[] a = new short[320];
        short[] b = new short[320];
        refused.process(in, 0, 100, a, 0);
        clean.process(in, 0, 100, b, 0);
        assertThatThrownBy(() -> refused.process(in, 100, 480, new short[159], 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> refused.process(in, 900, 100, a, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(refused.process(in, 100, 860, a, 0)).isEqualTo(clean.process(in, 100, 860, b, 0));
        assertThat(a).isEqualTo(b);

        // reset() is a new resampler.
        Resampler fresh = Resampler.down(16_000);
        refused.reset();
        assertThat(refused.process(in, 0, 960, a, 0)).isEqualTo(fresh.process(in, 0, 960, b, 0));
        assertThat(a).isEqualTo(b);
    }

    @Test
    void processingFramesAllocatesNothing() {
        assertThat(ManagementFactory.getThreadMXBean()).isInstanceOf(com.sun.management.ThreadMXBean.class);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled())
                .as("this JVM measures allocations per thread (HotSpot does)").isTrue();
        long thread = Thread.currentThread().getId();

        Resampler down = Resampler.down(8_000);
        Resampler up = Resampler.up(8_000);
        short[] frame = testSignal(HIGH, 480);
        short[] low = new short[80];
        short[] high = new short[480];
        for (int i = 0; i < 200; i++) { // warm up
            down.process(frame, 0, 480, low, 0);
            up.process(low, 0, 80, high, 0);
        }
        long before = threads.getThreadAllocatedBytes(thread);
        long calibrate = threads.getThreadAllocatedBytes(thread) - before; // the probe's own cost
        before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 1_000; i++) {
            down.process(frame, 0, 480, low, 0);
            up.process(low, 0, 80, high, 0);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before - calibrate;
        // 2000 calls: one allocation per call would be at least 32 kB.
        assertThat(allocated).isLessThan(1_024);
    }
}
