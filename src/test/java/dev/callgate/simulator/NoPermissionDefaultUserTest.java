package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The unscripted default user holds a temporary permission (so the README's examples ring); one setting,
 * {@code CALLGATE_SIMULATOR_DEFAULT_USER_PERMISSION=no_permission}, makes every unscripted user one who never granted
 * it, as most real users are: Meta refuses the connect with 138006.
 */
@QuarkusTest
@TestProfile(NoPermissionDefaultUserTest.NoPermission.class)
@WithTestResource(KafkaBroker.class)
class NoPermissionDefaultUserTest {

    public static class NoPermission implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("callgate.simulator.default-user.permission", "no_permission");
        }
    }

    @Test
    void anUnscriptedUserHasNoPermissionAndTheCallIsRefusedWith138006() {
        String user = Webhooks.newUser();
        String callRef = "noperm-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef,
                    Webhooks.PHONE_NUMBER_ID, user, null));
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("PERMISSION_DENIED");
            assertThat(ended.path("errorCode").asInt()).isEqualTo(138006);
        }
        // a user who grants it can be called all the same
        String granting = Webhooks.newUser();
        SimulatorAdminClient.grant(granting, "temporary");
        SimulatorAdminClient.script(granting, "reject", true, "answerAfterMs", 100);
        String other = "noperm-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Commands.send(other, Commands.initiate(UUID.randomUUID().toString(), other, Webhooks.PHONE_NUMBER_ID,
                    granting, null));
            JsonNode ended = CloudEvents.data(events.await(r -> other.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("REJECTED");
        }
    }
}
