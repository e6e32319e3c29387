package dev.callgate.stream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What an application streams back into a call, waiting to be played: PCM samples at the call's rate, fed by the
 * WebSocket as messages arrive and pulled by the media thread every 10 ms, with the application's marks between them.
 *
 * <ul>
 *   <li>A <b>mark</b> is reported (to the {@code played} callback) once every sample queued before it has been
 *   pulled — at once when nothing is queued. Marks keep their order.</li>
 *   <li>{@link #clear()} drops everything queued at once (barge-in) and returns the marks it passed over, for the
 *   protocol to report as the application expects.</li>
 *   <li>The queue holds at most {@code capacity} samples: audio beyond that is dropped (counted in
 *   {@link #droppedSamples()}), so a runaway application cannot grow memory; a pull with nothing queued plays
 *   silence.</li>
 * </ul>
 *
 * <p>Thread-safe: one thread enqueues (the WebSocket's), another pulls (the media's audio thread); the callback runs
 * on the pulling thread, outside the queue's lock, and must not block.
 */
public final class PlaybackQueue {

    private final short[] ring;
    private final Consumer<String> played;
    private final ArrayDeque<Mark> marks = new ArrayDeque<>();
    private int head;
    private int size;
    /** Samples ever queued (the position a new mark stands at) and ever pulled or cleared. */
    private long queuedTotal;
    private long consumedTotal;
    private long dropped;

    private record Mark(String name, long position) {
    }

    /**
     * @param capacity the most samples held (e.g. 48 000 × seconds)
     * @param played   told each mark's name once the audio before it has been played
     */
    public PlaybackQueue(int capacity, Consumer<String> played) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.ring = new short[capacity];
        this.played = played;
    }

    /** Queues {@code len} samples; returns how many were taken (the rest did not fit and are dropped). */
    public synchronized int enqueue(short[] pcm, int off, int len) {
        int taken = Math.min(len, ring.length - size);
        int tail = (head + size) % ring.length;
        int first = Math.min(taken, ring.length - tail);
        System.arraycopy(pcm, off, ring, tail, first);
        System.arraycopy(pcm, off + first, ring, 0, taken - first);
        size += taken;
        queuedTotal += taken;
        dropped += len - taken;
        return taken;
    }

    /** A mark after the audio queued so far. */
    public void mark(String name) {
        synchronized (this) {
            marks.add(new Mark(name, queuedTotal));
        }
    }

    /** Drops all queued audio; returns the names of the marks it passed over, in order. */
    public synchronized List<String> clear() {
        consumedTotal += size;
        head = (head + size) % ring.length;
        size = 0;
        List<String> passed = new ArrayList<>(marks.size());
        while (!marks.isEmpty()) {
            passed.add(marks.poll().name());
        }
        return passed;
    }

    /**
     * Fills {@code out[off..off+len)} with queued samples, then silence; reports the marks now reached. Returns how
     * many samples were audio.
     */
    public int pull(short[] out, int off, int len) {
        List<String> reached = null;
        int taken;
        synchronized (this) {
            taken = Math.min(len, size);
            int first = Math.min(taken, ring.length - head);
            System.arraycopy(ring, head, out, off, first);
            System.arraycopy(ring, 0, out, off + first, taken - first);
            head = (head + taken) % ring.length;
            size -= taken;
            consumedTotal += taken;
            while (!marks.isEmpty() && marks.peek().position() <= consumedTotal) {
                if (reached == null) {
                    reached = new ArrayList<>(2);
                }
                reached.add(marks.poll().name());
            }
        }
        java.util.Arrays.fill(out, off + taken, off + len, (short) 0);
        if (reached != null) {
            reached.forEach(played);
        }
        return taken;
    }

    /** Samples waiting to be played. */
    public synchronized int queuedSamples() {
        return size;
    }

    /** Samples dropped because the queue was full. */
    public synchronized long droppedSamples() {
        return dropped;
    }
}
