package dev.callgate.call.store;


import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.OnVertx;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Rows kept only for a while go once older than their retention; younger ones and unfinished work stay. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class RetentionTest {

    @Inject
    Retention retention;

    @Test
    void publishedEventsProcessedCommandsWebhookRecordsTransitionsAndFinishedEffectsArePrunedByAge() {
        String tag = UUID.randomUUID().toString();
        // outbox: published 8 days ago (goes), published now (stays)
        Database.execute("insert into outbox (topic, record_key, payload, created_at, published_at) values "
                + "('t', ?, '{}', now() - interval '9 days', now() - interval '8 days'), "
                + "('t', ?, '{}', now(), now())", tag + "-old", tag + "-new");
        Database.execute("insert into processed_commands (command_id, command_type, processed_at) values "
                + "(?, 'call.initiate', now() - interval '31 days'), (?, 'call.initiate', now())",
                tag + "-old", tag + "-new");
        Database.execute("insert into call_events (dedup_id, kind, received_at, recorded_at, payload) values "
                + "(?, 'CALL', now(), now() - interval '31 days', '{}'), (?, 'CALL', now(), now(), '{}')",
                tag.substring(0, 30) + "-old", tag.substring(0, 30) + "-new");

        // a call's transitions: one 31 days old (goes with the webhook records), one of now (stays)
        UUID call = UUID.randomUUID();
        Database.execute("insert into calls (id, call_reference, phone_number_id, direction, state, created_at, "
                + "updated_at, version) values (?, ?, '1', 'BUSINESS_INITIATED', 'ENDED', now(), now(), 1)",
                call, tag + "-call");
        Database.execute("insert into call_transitions (call_id, at, from_state, to_state, signal) values "
                + "(?, now() - interval '31 days', 'REQUESTED', 'OFFERING', 'old'), (?, now(), 'ACTIVE', 'ENDED', 'new')",
                call, call);

        assertThat(OnVertx.await(() -> retention.sweep())).isGreaterThanOrEqualTo(4);
        assertThat(Database.column("select signal from call_transitions where call_id = ?", call))
                .containsExactly("new");

        assertThat(Database.column("select record_key from outbox where record_key like ?", tag + "%"))
                .containsExactly(tag + "-new");
        assertThat(Database.column("select command_id from processed_commands where command_id like ?", tag + "%"))
                .containsExactly(tag + "-new");
        assertThat(Database.column("select dedup_id from call_events where dedup_id like ?",
                tag.substring(0, 30) + "%")).containsExactly(tag.substring(0, 30) + "-new");
    }
}
