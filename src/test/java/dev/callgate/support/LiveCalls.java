package dev.callgate.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Business-initiated calls that are answered and stay up: the users send 660 Hz, Callgate plays 1000 Hz. */
public final class LiveCalls {

    private LiveCalls() {
    }

    /** Places {@code count} such calls through {@code callgate.commands}; returns their refs once all are connected. */
    public static List<String> place(WebhookTopic events, int count, String refPrefix) {
        List<String> refs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String user = Webhooks.newUser();
            SimulatorAdminClient.script(user, "answerAfterMs", 300, "neverHangUp", true, "toneHz", 660.0);
            String callRef = refPrefix + i + "-" + UUID.randomUUID();
            refs.add(callRef);
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                    user, "{\"tone\":1000}"));
        }
        events.await(r -> refs.contains(r.key()) && r.value().contains("\"dev.callgate.call.connected\""), count,
                Duration.ofSeconds(120));
        return refs;
    }
}
