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

    default AnswerPolicy policyOf(String phoneNumberId) {
        return policies().getOrDefault(phoneNumberId, policy());
    }
}
