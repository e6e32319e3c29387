package dev.callgate.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MuLawTest {

    /** The code's segment (3 bits after the sign, once the inversion is undone). */
    private static int segment(byte code) {
        return ((~code & 0xFF) >> 4) & 0x07;
    }

    @Test
    void knownG711Values() {
        assertThat(MuLaw.encode((short) 0)).isEqualTo((byte) 0xFF);
        assertThat(MuLaw.encode((short) 1)).isEqualTo((byte) 0xFF);
        assertThat(MuLaw.encode((short) -1)).isEqualTo((byte) 0x7F);
        assertThat(MuLaw.encode(Short.MAX_VALUE)).isEqualTo((byte) 0x80);
        assertThat(MuLaw.encode((short) 32635)).isEqualTo((byte) 0x80);
        assertThat(MuLaw.encode(Short.MIN_VALUE)).isEqualTo((byte) 0x00);
        assertThat(MuLaw.encode((short) -32635)).isEqualTo((byte) 0x00);
        // 1000 + 132 = 1132 = 0b100_0110_1100: highest bit 10 → segment 3, next four bits 0001 → 0x31, inverted 0xCE.
        assertThat(MuLaw.encode((short) 1000)).isEqualTo((byte) 0xCE);
        assertThat(MuLaw.encode((short) -1000)).isEqualTo((byte) 0x4E);
        // Segment 0's steps are 8 wide (G.711's 2, × 4), the bias centres them on multiples of 8: 0..3 → 0xFF (0),
        // 4..11 → 0xFE (8), 12.. → 0xFD (16).
        assertThat(MuLaw.encode((short) 3)).isEqualTo((byte) 0xFF);
        assertThat(MuLaw.encode((short) 4)).isEqualTo((byte) 0xFE);
        assertThat(MuLaw.encode((short) 11)).isEqualTo((byte) 0xFE);
        assertThat(MuLaw.encode((short) 12)).isEqualTo((byte) 0xFD);
        assertThat(MuLaw.decode((byte) 0xFE)).isEqualTo((short) 8);

        assertThat(MuLaw.decode((byte) 0x00)).isEqualTo((short) -32124);
        assertThat(MuLaw.decode((byte) 0x80)).isEqualTo((short) 32124);
        assertThat(MuLaw.decode((byte) 0xFF)).isEqualTo((short) 0);
        assertThat(MuLaw.decode((byte) 0x7F)).isEqualTo((short) 0); // negative zero
        // Segment 3, mantissa 1: biased interval [1088, 1152), middle 1120, minus the bias.
        assertThat(MuLaw.decode((byte) 0xCE)).isEqualTo((short) 988);
        assertThat(MuLaw.decode((byte) 0x4E)).isEqualTo((short) -988);
    }

    @Test
    void decodedLevelsAreG711sScaledByFour() {
        // G.711 μ-law decodes segment s, mantissa m (14-bit scale) to (2m + 33) × 2^s − 33; this codec is 4 × that.
        for (int s = 0; s < 8; s++) {
            for (int m = 0; m < 16; m++) {
                int positive = ~((s << 4) | m) & 0xFF;
                int expected = 4 * ((2 * m + 33) * (1 << s) - 33);
                assertThat((int) MuLaw.decode((byte) positive)).as("segment %d mantissa %d", s, m).isEqualTo(expected);
                assertThat((int) MuLaw.decode((byte) (positive & 0x7F))).isEqualTo(-expected);
            }
        }
    }

    @Test
    void roundTripErrorIsWithinHalfTheSegmentsStepForEverySample() {
        int clipped = 0;
        for (int x = Short.MIN_VALUE; x <= Short.MAX_VALUE; x++) {
            byte code = MuLaw.encode((short) x);
            int back = MuLaw.decode(code);
            int step = 8 << segment(code);
            boolean ok;
            if (Math.abs(x) <= MuLaw.CLIP) {
                ok = Math.abs(back - x) <= step / 2;
            } else {
                // Clipped: the largest μ-law magnitude, still within one (top segment) step of the input.
                ok = back == (x > 0 ? 32124 : -32124) && Math.abs(back - x) <= step;
                clipped++;
            }
            ok &= (long) back * x >= 0; // same sign, or zero
            if (!ok) {
                assertThat(back).as("decode(encode(%d)) (code %02x, step %d)", x, code & 0xFF, step).isEqualTo(x);
            }
        }
        assertThat(clipped).isEqualTo((32767 - 32635) + (32768 - 32635));
    }

    @Test
    void everyCodeDecodesAndReencodesToItselfExceptNegativeZero() {
        for (int c = 0; c < 256; c++) {
            byte code = (byte) c;
            byte again = MuLaw.encode(MuLaw.decode(code));
            assertThat(again).as("code %02x", c).isEqualTo(c == 0x7F ? (byte) 0xFF : code);
        }
    }

    @Test
    void decodingIsMonotonicPerSignAndEncodingIsMonotonic() {
        // Positive codes 0xFF, 0xFE, ..., 0x80 decode to strictly increasing values, negative 0x7F..0x00 decreasing.
        for (int k = 1; k < 128; k++) {
            assertThat(MuLaw.decode((byte) (0xFF - k))).isGreaterThan(MuLaw.decode((byte) (0xFF - k + 1)));
            assertThat(MuLaw.decode((byte) (0x7F - k))).isLessThan(MuLaw.decode((byte) (0x7F - k + 1)));
        }
        int previous = Integer.MIN_VALUE;
        for (int x = Short.MIN_VALUE; x <= Short.MAX_VALUE; x++) {
            int quantised = MuLaw.decode(MuLaw.encode((short) x));
            if (quantised < previous) {
                assertThat(quantised).as("decode(encode(%d))", x).isGreaterThanOrEqualTo(previous);
            }
            previous = quantised;
        }
    }

    @Test
    void isSymmetric() {
        for (int x = 1; x <= Short.MAX_VALUE; x++) {
            byte negative = MuLaw.encode((short) -x);
            if (negative != (byte) (MuLaw.encode((short) x) ^ 0x80)) {
                assertThat(negative).as("encode(-%d)", x).isEqualTo((byte) (MuLaw.encode((short) x) ^ 0x80));
            }
        }
        for (int c = 0; c < 256; c++) {
            assertThat(MuLaw.decode((byte) (c ^ 0x80))).isEqualTo((short) -MuLaw.decode((byte) c));
        }
    }

    @Test
    void bulkHelpersMatchTheSingleSampleOnesAndRespectOffsets() {
        short[] pcm = new short[1000];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) (i * 65_537 + 12_345); // wraps: covers both signs and all segments
        }
        byte[] codes = new byte[1010];
        codes[0] = 0x55;
        codes[1009] = 0x55;
        MuLaw.encode(pcm, 3, 990, codes, 7);
        for (int i = 0; i < 990; i++) {
            assertThat(codes[7 + i]).isEqualTo(MuLaw.encode(pcm[3 + i]));
        }
        assertThat(codes[0]).isEqualTo((byte) 0x55);
        assertThat(codes[1009]).isEqualTo((byte) 0x55);

        short[] back = new short[995];
        MuLaw.decode(codes, 7, 990, back, 5);
        for (int i = 0; i < 990; i++) {
            assertThat(back[5 + i]).isEqualTo(MuLaw.decode(codes[7 + i]));
        }
        assertThat(back[0]).isZero();

        assertThatThrownBy(() -> MuLaw.encode(pcm, 0, 10, new byte[9], 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> MuLaw.decode(codes, 1005, 10, back, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
