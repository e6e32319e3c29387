package dev.callgate.call.flow;

import dev.callgate.call.CallEffect;
import dev.callgate.call.store.Call;
import dev.callgate.cluster.Instance;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.OnVertx;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A media step routed to the instance holding a call's PeerConnection is claimed when its transaction commits — the
 * PostgreSQL notification wakes the owner — not at the owner's next poll. The poll is set to an hour here, so only
 * the notification can explain a prompt claim; a row written without one stays, showing the poll is really off.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
@TestProfile(MediaCommandNotifyTest.PollHourly.class)
class MediaCommandNotifyTest {

    public static class PollHourly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("callgate.calls.media-command-poll-interval", "1h");
        }
    }

    @Inject
    Instance instance;
    @Inject
    MediaCommands mediaCommands;

    @Test
    void aStepRoutedHereIsClaimedAtItsCommitNotAtTheNextPoll() {
        // the step of a call this process does not know: claiming it deletes the row and runs nothing
        Call call = new Call();
        call.id = UUID.randomUUID();
        call.callRef = "notify-" + call.id;
        call.mediaOwner = instance.id();
        call.mediaEpoch = instance.epoch();
        OnVertx.await(() -> Panache.withTransaction(() -> mediaCommands.route(call, new CallEffect.PlayMedia())));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Database.column(
                "select id from media_commands where call_id = ?", call.id)).as("claimed by its owner").isEmpty());
    }

    @Test
    void aStepWrittenWithoutNotificationWaitsForThePoll() {
        UUID callId = UUID.randomUUID();
        Database.execute("insert into media_commands (call_id, owner, effect, epoch) values (?, ?, 'PlayMedia', ?)",
                callId, instance.id(), instance.epoch());
        try {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !Database.column(
                    "select id from media_commands where call_id = ?", callId).isEmpty());
        } finally {
            Database.execute("delete from media_commands where call_id = ?", callId);
        }
    }
}
