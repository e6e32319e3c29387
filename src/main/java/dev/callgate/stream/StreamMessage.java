package dev.callgate.stream;

/** What an application sends on its stream, whatever the protocol. */
sealed interface StreamMessage {

    /** Audio to play: 16-bit PCM at the stream's rate. */
    record Audio(short[] pcm, int samples) implements StreamMessage {
    }

    /** A mark after the audio sent so far: echoed once that audio has been played (or cleared). */
    record Mark(String name) implements StreamMessage {
    }

    /** Drop the audio not yet played (barge-in). */
    record Clear() implements StreamMessage {
    }

    /** End the call (native protocol). */
    record Hangup() implements StreamMessage {
    }

    /** Something Callgate does not act on (an event it does not know): ignored. */
    record Ignored(String event) implements StreamMessage {
    }

    /**
     * A text frame as a JSON object with a textual {@code event} (both protocols' control messages).
     *
     * @throws IllegalArgumentException when it is not
     */
    static com.fasterxml.jackson.databind.JsonNode json(com.fasterxml.jackson.databind.ObjectMapper mapper,
                                                        String text) {
        com.fasterxml.jackson.databind.JsonNode m;
        try {
            m = mapper.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (m == null || !m.isObject() || !m.path("event").isTextual()) {
            throw new IllegalArgumentException("not a stream message: a JSON object with an event");
        }
        return m;
    }
}
