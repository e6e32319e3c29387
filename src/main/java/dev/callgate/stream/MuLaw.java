package dev.callgate.stream;

import java.util.Objects;

/**
 * ITU-T G.711 μ-law: 16-bit signed linear PCM to 8-bit codes and back (what Twilio Media Streams carry, at 8000 Hz).
 *
 * <p>G.711 defines μ-law on 14-bit linear samples; this is the same law on 16-bit samples (every value × 4): the
 * magnitude is clipped at {@value #CLIP}, biased by {@value #BIAS} (0x84), and coded as a sign bit, a 3-bit segment
 * (the position of the biased magnitude's highest set bit, 7..14) and the 4 bits below that highest bit; all 8 bits
 * are inverted on output. So {@code encode(0) == (byte) 0xFF}, {@code encode(-1) == (byte) 0x7F}, full scale is
 * {@code 0x80} (positive) and {@code 0x00} (negative).
 *
 * <p>Decoding returns the middle of the code's quantisation interval: for a code of segment {@code s} the interval is
 * {@code 8 << s} wide, so for every input within ±{@value #CLIP} {@code |decode(encode(x)) - x| <= 4 << s}; clipped
 * inputs decode to ±32124, the largest magnitude μ-law can carry. {@code 0xFF} and {@code 0x7F} (negative zero) both
 * decode to 0. Decoding is a lookup in a 256-entry table.
 *
 * <p>Encoding is bit arithmetic, not a table: the segment is {@code 24 - Integer.numberOfLeadingZeros(biased)}, a
 * single LZCNT/BSR instruction on x86-64 and AArch64 (the JIT's intrinsic), so an encode is about ten register
 * operations with no memory access. A 2^14-entry table would be 16 KiB that has to stay in the L1 cache next to the
 * resamplers' filter state of every call on the same core; the arithmetic costs about as much as an L1 hit and
 * nothing when the cache is contended.
 *
 * <p>Stateless and thread-safe.
 */
public final class MuLaw {

    /** Added to the magnitude before coding (G.711's 33, × 4). */
    static final int BIAS = 0x84;
    /** Largest magnitude coded without clipping (32767 - {@value #BIAS}, so the biased value fits in 15 bits). */
    static final int CLIP = 32635;

    private static final short[] DECODE = new short[256];

    static {
        for (int code = 0; code < 256; code++) {
            DECODE[code] = decodeByFormula(code);
        }
    }

    private MuLaw() {
    }

    /** One 16-bit linear sample as its μ-law code. */
    public static byte encode(short pcm) {
        int x = pcm;
        int sign = (x >> 8) & 0x80; // 0x80 for a negative sample (arithmetic shift keeps the sign bits)
        int magnitude = x < 0 ? -x : x; // 32768 for Short.MIN_VALUE: int, no overflow
        if (magnitude > CLIP) {
            magnitude = CLIP;
        }
        magnitude += BIAS; // 132..32767: highest set bit 7..14
        int segment = 24 - Integer.numberOfLeadingZeros(magnitude);
        int mantissa = (magnitude >> (segment + 3)) & 0x0F;
        return (byte) ~(sign | (segment << 4) | mantissa);
    }

    /** One μ-law code as a 16-bit linear sample (the middle of the code's interval). */
    public static short decode(byte code) {
        return DECODE[code & 0xFF];
    }

    /**
     * Encodes {@code len} samples of {@code pcm} from {@code off} into {@code out} from {@code outOff} (one byte per
     * sample).
     *
     * @throws IndexOutOfBoundsException if either range is outside its array (nothing is written then)
     */
    public static void encode(short[] pcm, int off, int len, byte[] out, int outOff) {
        Objects.checkFromIndexSize(off, len, pcm.length);
        Objects.checkFromIndexSize(outOff, len, out.length);
        for (int i = 0; i < len; i++) {
            out[outOff + i] = encode(pcm[off + i]);
        }
    }

    /**
     * Decodes {@code len} codes of {@code in} from {@code off} into {@code out} from {@code outOff} (one sample per
     * byte).
     *
     * @throws IndexOutOfBoundsException if either range is outside its array (nothing is written then)
     */
    public static void decode(byte[] in, int off, int len, short[] out, int outOff) {
        Objects.checkFromIndexSize(off, len, in.length);
        Objects.checkFromIndexSize(outOff, len, out.length);
        for (int i = 0; i < len; i++) {
            out[outOff + i] = DECODE[in[off + i] & 0xFF];
        }
    }

    private static short decodeByFormula(int code) {
        int u = ~code & 0xFF;
        int segment = (u >> 4) & 0x07;
        int mantissa = u & 0x0F;
        int magnitude = (((mantissa << 3) + BIAS) << segment) - BIAS;
        return (short) ((u & 0x80) != 0 ? -magnitude : magnitude);
    }
}
