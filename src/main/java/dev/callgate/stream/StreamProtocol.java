package dev.callgate.stream;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;

/**
 * One stream's wire protocol: what Callgate writes (its opening messages, 20 ms of the user's audio, a played mark,
 * the closing message) and how it reads what the application sends. {@link TwilioProtocol}, {@link NativeProtocol}.
 * One writer thread at a time per method group: {@link #audio} on the media sink thread, the rest on the socket's
 * context — implementations keep per-direction state apart.
 */
interface StreamProtocol {

    /** The stream's audio rate (8000, 16000 or 24000). */
    int sampleRate();

    /** The id the application knows the stream by. */
    String streamId();

    /** The messages sent once the socket is open. */
    void opened(WebSocket ws);

    /** 20 ms of the user's audio ({@code samples} at {@link #sampleRate()}), {@code timestampMillis} into the stream. */
    Future<Void> audio(WebSocket ws, short[] pcm, int samples, long timestampMillis);

    /** An application's mark whose audio has been played. */
    void markPlayed(WebSocket ws, String name);

    /** The closing message ({@code reason}: why the stream ends). */
    Future<Void> stop(WebSocket ws, String reason);

    /** @throws IllegalArgumentException for a message the protocol does not allow */
    StreamMessage readText(String text);

    /** @throws IllegalArgumentException when the protocol has no binary messages */
    StreamMessage readBinary(Buffer data);
}
