package dev.callgate.simulator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** How each simulated user behaves; a user nobody scripted behaves as the configured default user. */
final class UserScripts {

    private final SimulatorConfig.DefaultUser defaultUser;
    private final Map<String, UserScript> byUser = new ConcurrentHashMap<>();

    UserScripts(SimulatorConfig.DefaultUser defaultUser) {
        this.defaultUser = defaultUser;
    }

    void script(String waId, UserScript script) {
        byUser.put(UserIds.normalise(waId), script);
    }

    /** The user's script; an unscripted user gets the default one (and keeps it). */
    UserScript of(String waId) {
        return byUser.computeIfAbsent(UserIds.normalise(waId), k -> defaultScript());
    }

    UserScript defaultScript() {
        return new UserScript(defaultUser.answerAfter().orElse(null), false, defaultUser.hangUpAfter().orElse(null),
                defaultUser.toneHz(), "none");
    }

    void clear() {
        byUser.clear();
    }
}
