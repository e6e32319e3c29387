package dev.callgate.call.flow;

import dev.callgate.media.MediaWorkerPool;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Optional;

/**
 * The prompts a call may play: {@code <prompts-dir>/<id>.wav} ({@link MediaDefaults}). Commands naming a prompt that
 * cannot be played are refused when they arrive, never as a FAILED call later; the configured prompt of incoming
 * calls is checked at start-up.
 */
@ApplicationScoped
public class Prompts {

    private final MediaDefaults defaults;
    private final MediaWorkerPool media;
    private final IncomingCalls incoming;

    public Prompts(MediaDefaults defaults, MediaWorkerPool media, IncomingCalls incoming) {
        this.defaults = defaults;
        this.media = media;
        this.incoming = incoming;
    }

    /** Why the prompt with this id cannot be played, in words for the caller (no server path), or empty. */
    public Optional<String> problem(String id) {
        if (id == null) {
            return Optional.empty();
        }
        return media.promptProblem(defaults.prompt(id), "media.prompt '" + id + "'")
                .map(why -> why + " (prompts are <id>.wav, 16-bit PCM, in CALLGATE_CALLS_MEDIA_PROMPTS_DIR)");
    }

    void checkIncomingPrompt(@Observes StartupEvent start) {
        incoming.prompt().flatMap(this::problem).ifPresent(why -> {
            throw new IllegalStateException("CALLGATE_INCOMING_PROMPT cannot be played: " + why);
        });
    }
}
