package dev.callgate.api;

import io.smallrye.config.ConfigMapping;

import java.util.Optional;

/** The REST API's key ({@code CALLGATE_API_KEY}); without one the API is open in dev and test, refused in prod. */
@ConfigMapping(prefix = "callgate.api")
public interface ApiConfig {

    Optional<String> key();

    /** Whether the API may run without a key (true in dev and test only). */
    @io.smallrye.config.WithDefault("false")
    boolean openWithoutKey();
}
