package dev.callgate.call.flow;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How user-initiated calls are answered ({@code callgate.incoming.*}): per business number, accepted at once with the
 * configured media ({@code auto-accept}), or left to another service's {@code call.accept} / {@code call.reject}
 * within the accept window ({@code command}; no decision in time → rejected).
 */
@ConfigMapping(prefix = "callgate.incoming")
public interface IncomingCalls {

    enum AnswerPolicy { AUTO_ACCEPT, COMMAND }

    /** The policy of numbers not listed in {@link #policies()} ({@code CALLGATE_INCOMING_POLICY}). */
    @WithDefault("command")
    AnswerPolicy policy();

    /** Per business phone-number id: {@code callgate.incoming.policies."<phone-number-id>"=auto-accept}. */
    Map<String, AnswerPolicy> policies();

    /** The tone an accepted incoming call plays; default: {@code callgate.calls.media.tone-hz}. */
    OptionalDouble toneHz();

    /** A prompt id ({@code <prompts-dir>/<id>.wav}) played instead of the tone. */
    Optional<String> prompt();

    /** Record what the caller says (a WAV per call, as for outgoing calls). */
    @WithDefault("false")
    boolean record();

    /**
     * The audio stream an accepted incoming call goes to, for numbers without one in {@link #streams()}
     * ({@code CALLGATE_INCOMING_STREAM_URL}, {@code _PROTOCOL}, …): with auto-accept, a voice agent answers every
     * user-initiated call. A {@code call.accept} with its own {@code media} replaces it.
     */
    Optional<StreamDefault> stream();

    /** Per business phone-number id: {@code callgate.incoming.streams."<phone-number-id>".url=wss://…}. */
    Map<String, StreamDefault> streams();

    /** A configured stream: the fields of a command's {@code media.stream}. */
    interface StreamDefault {
        /** The application's ws:// or wss:// URL (none: no stream). */
        Optional<String> url();

        /** {@code twilio} or {@code native}. */
        @WithDefault("twilio")
        String protocol();

        /** {@code mulaw_8000} (twilio); {@code pcm_16000} (native's default) or {@code pcm_24000}. */
        Optional<String> format();

        /** {@code hangup} or {@code continue}. */
        @WithDefault("hangup")
        String onClose();

        /** Handed to the application in {@code start}. */
        Map<String, String> parameters();

        /** Added to the WebSocket upgrade (e.g. {@code Authorization}); never logged. */
        Map<String, String> headers();
    }

    default AnswerPolicy policyOf(String phoneNumberId) {
        return policies().getOrDefault(phoneNumberId, policy());
    }

    /**
     * The stream configured for this number's incoming calls, if any.
     *
     * @throws IllegalArgumentException when the configured stream is not valid (checked at start-up)
     */
    default Optional<dev.callgate.stream.StreamSpec> streamOf(String phoneNumberId) {
        StreamDefault configured = streams().get(phoneNumberId);
        if (configured != null) {
            return Optional.of(spec(configured, "callgate.incoming.streams.\"" + phoneNumberId + "\""));
        }
        return stream().filter(d -> d.url().isPresent()).map(d -> spec(d, "callgate.incoming.stream"));
    }

    /**
     * Every configured stream, read once: a start-up check.
     *
     * @throws IllegalArgumentException naming the first one that is not valid
     */
    default void checkStreams() {
        stream().filter(d -> d.url().isPresent()).ifPresent(d -> spec(d, "callgate.incoming.stream"));
        streams().keySet().forEach(this::streamOf);
    }

    private static dev.callgate.stream.StreamSpec spec(StreamDefault configured, String name) {
        com.fasterxml.jackson.databind.node.ObjectNode json = com.fasterxml.jackson.databind.node.JsonNodeFactory
                .instance.objectNode();
        configured.url().ifPresent(url -> json.put("url", url));
        json.put("protocol", configured.protocol());
        configured.format().ifPresent(format -> json.put("format", format));
        json.put("onClose", configured.onClose());
        configured.parameters().forEach(json.putObject("parameters")::put);
        configured.headers().forEach(json.putObject("headers")::put);
        return dev.callgate.stream.StreamSpec.read(json, name);
    }
}
