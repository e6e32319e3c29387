package dev.callgate.support;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The test JVM as Meta's side of a deployment: the webhook ingress and the Cloud API simulator, with calls off
 * ({@code callgate.calls.enabled=false}: no consumers, timers, relay or media), so that Callgate processes started by
 * the test ({@link ServiceProcess}) place and track the calls.
 */
public class IngressAndSimulatorOnly implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("callgate.calls.enabled", "false");
    }
}
