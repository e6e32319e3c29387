package dev.callgate.call.flow;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;

/** What a call plays when its command names no media ({@code CALLGATE_CALLS_MEDIA_*}). */
@ConfigMapping(prefix = "callgate.calls.media")
public interface MediaDefaults {

    /** The tone played when a command names neither a tone nor a prompt. */
    @WithDefault("440")
    double toneHz();

    /** Where prompt ids are looked up: {@code <dir>/<id>.wav}. */
    @WithDefault("prompts")
    String promptsDir();

    default Path prompt(String id) {
        return Path.of(promptsDir()).resolve(id.replaceAll("[^A-Za-z0-9._-]", "_") + ".wav");
    }
}
