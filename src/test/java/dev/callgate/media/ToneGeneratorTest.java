package dev.callgate.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

import org.junit.jupiter.api.Test;

class ToneGeneratorTest {

    private static short[] decode(byte[] buf, ByteOrder order) {
        ShortBuffer sb = ByteBuffer.wrap(buf).order(order).asShortBuffer();
        short[] out = new short[sb.remaining()];
        sb.get(out);
        return out;
    }

    @Test
    void sineHasTheRequestedPeakAndFrequency() {
        ToneGenerator gen = new ToneGenerator(440, -12);
        byte[] buf = new byte[48_000 * 2];
        gen.fill(buf, 0, 48_000, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN);
        short[] s = decode(buf, ByteOrder.LITTLE_ENDIAN);

        int peak = 0;
        int upwardZeroCrossings = 0;
        for (int i = 0; i < s.length; i++) {
            peak = Math.max(peak, Math.abs(s[i]));
            if (i > 0 && s[i - 1] < 0 && s[i] >= 0) {
                upwardZeroCrossings++;
            }
        }
        assertThat(peak).isCloseTo((int) Math.round(32767 * Math.pow(10, -12 / 20.0)), within(2));
        // One second of 440 Hz crosses zero upwards 440 times (the first cycle starts at 0, not counted).
        assertThat(upwardZeroCrossings).isBetween(439, 440);
        assertThat(s[0]).isZero();
        assertThat(s[1]).isPositive();
    }

    @Test
    void phaseIsContinuousAcrossBuffers() {
        ToneGenerator whole = new ToneGenerator(660, -12);
        ToneGenerator split = new ToneGenerator(660, -12);
        byte[] one = new byte[960 * 2];
        byte[] two = new byte[960 * 2];
        whole.fill(one, 0, 960, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN);
        split.fill(two, 0, 480, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN);
        split.fill(two, 960, 480, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN);
        assertThat(two).isEqualTo(one);
    }

    @Test
    void frequencyChangeKeepsThePhase() {
        ToneGenerator gen = new ToneGenerator(440, -12);
        byte[] buf = new byte[960 * 2];
        gen.fill(buf, 0, 480, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN);
        gen.setFrequency(1000);
        gen.fill(buf, 960, 480, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN);
        short[] s = decode(buf, ByteOrder.LITTLE_ENDIAN);
        double amplitude = 32767 * Math.pow(10, -12 / 20.0);
        // Largest step a 1000 Hz sine can take between samples: 2π f / rate × amplitude.
        double maxStep = 2 * Math.PI * 1000 / 48_000 * amplitude + 2;
        for (int i = 1; i < s.length; i++) {
            assertThat((double) Math.abs(s[i] - s[i - 1])).as("step at %d", i).isLessThanOrEqualTo(maxStep);
        }
    }

    @Test
    void byteOrderAndChannelLayoutAreHonoured() {
        ToneGenerator le = new ToneGenerator(1000, -6);
        ToneGenerator be = new ToneGenerator(1000, -6);
        byte[] little = new byte[480 * 2];
        byte[] big = new byte[480 * 2];
        le.fill(little, 0, 480, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN);
        be.fill(big, 0, 480, 1, 2, 48_000, ByteOrder.BIG_ENDIAN);
        assertThat(decode(little, ByteOrder.LITTLE_ENDIAN)).isEqualTo(decode(big, ByteOrder.BIG_ENDIAN));
        assertThat(decode(little, ByteOrder.LITTLE_ENDIAN)[12]).isGreaterThan((short) 10_000);

        ToneGenerator stereo = new ToneGenerator(1000, -6);
        byte[] st = new byte[480 * 4];
        stereo.fill(st, 0, 480, 2, 4, 48_000, ByteOrder.LITTLE_ENDIAN);
        short[] interleaved = decode(st, ByteOrder.LITTLE_ENDIAN);
        short[] mono = decode(little, ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 480; i++) {
            assertThat(interleaved[2 * i]).isEqualTo(mono[i]);
            assertThat(interleaved[2 * i + 1]).isEqualTo(mono[i]);
        }
    }

    @Test
    void zeroHzIsDigitalSilence() {
        ToneGenerator gen = new ToneGenerator(0, -12);
        byte[] buf = new byte[480 * 2];
        java.util.Arrays.fill(buf, (byte) 0x55);
        gen.fill(buf, 0, 480, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN);
        assertThat(buf).containsOnly((byte) 0);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new ToneGenerator(-1, -12)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ToneGenerator(440, 3)).isInstanceOf(IllegalArgumentException.class);
        ToneGenerator gen = new ToneGenerator(440, -12);
        assertThatThrownBy(() -> gen.setFrequency(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> gen.fill(new byte[10], 0, 480, 1, 2, 48_000, ByteOrder.LITTLE_ENDIAN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
