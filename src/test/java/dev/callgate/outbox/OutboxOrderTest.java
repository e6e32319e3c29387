package dev.callgate.outbox;

import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.WebhookTopic;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The events of one call leave in the order they were written while another instance is relaying: this instance
 * does not publish a call's later event while the other still holds its earlier one.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class OutboxOrderTest {

    private static long insert(Connection c, String key, int n) throws Exception {
        try (PreparedStatement s = c.prepareStatement("insert into outbox (topic, record_key, payload) values "
                + "('callgate.events', ?, cast(? as jsonb)) returning id")) {
            s.setString(1, key);
            s.setString(2, "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"test.order\","
                    + "\"source\":\"/test\",\"data\":{\"n\":" + n + "}}");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aCallsLaterEventWaitsForTheEarlierOneAnotherInstanceIsRelaying() throws Exception {
        String key = "order-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events");
             Connection other = Database.open()) {
            long first;
            try (Connection c = Database.open()) {
                first = insert(c, key, 1);
            }
            // another instance is relaying: it holds the relay and the call's first event, not yet published
            other.setAutoCommit(false);
            try (PreparedStatement s = other.prepareStatement(
                    "select pg_advisory_xact_lock(hashtext('callgate:outbox-relay'))")) {
                s.execute();
            }
            try (PreparedStatement s = other.prepareStatement("select id from outbox where id = ? for update")) {
                s.setLong(1, first);
                s.execute();
            }
            try (Connection c = Database.open()) {
                insert(c, key, 2);
            }
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() ->
                    events.matching(r -> key.equals(r.key())).isEmpty());

            other.rollback(); // the other instance went away without publishing
            List<ConsumerRecord<String, String>> published = events.await(r -> key.equals(r.key()), 2);
            assertThat(published).extracting(r -> r.value().matches("(?s).*\"n\":\\s*1\\b.*") ? 1 : 2).containsExactly(1, 2);
        }
    }
}
