package dev.callgate.support;

import java.io.InputStream;

/** {@code size} bytes of spaces, generated as they are read (never held in memory at once): a huge request body. */
public final class BlankBody extends InputStream {

    private long left;

    public BlankBody(long size) {
        this.left = size;
    }

    @Override
    public int read() {
        return left-- > 0 ? ' ' : -1;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(length, left);
        java.util.Arrays.fill(buffer, offset, offset + n, (byte) ' ');
        left -= n;
        return n;
    }
}
