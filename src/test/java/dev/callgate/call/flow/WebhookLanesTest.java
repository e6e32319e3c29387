package dev.callgate.call.flow;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.contract.WebhookRecord;
import dev.callgate.ingress.WebhookSplitter;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The webhook consumer works calls in parallel: a record that waits on PostgreSQL holds back only its own call, not
 * the records of other calls behind it on the same partition.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class WebhookLanesTest {

    @Inject
    WebhookSplitter splitter;

    @Inject
    ObjectMapper mapper;

    private WebhookRecord record(String callId, String status) {
        return splitter.split(Webhooks.callStatus(callId, Webhooks.newUser(), status).getBytes(StandardCharsets.UTF_8),
                Instant.now()).records().get(0);
    }

    private static boolean stored(String callId) {
        return !Database.column("select id from call_events where whatsapp_call_id = ?", callId).isEmpty();
    }

    @Test
    void aRecordWaitingOnTheDatabaseHoldsBackOnlyItsOwnCall() throws Exception {
        String stuck = Webhooks.newCallId();
        String other = Webhooks.newCallId();
        WebhookRecord stuckRecord = record(stuck, "RINGING");
        WebhookRecord otherRecord = record(other, "RINGING");

        try (Connection blocker = Database.open();
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            // an uncommitted row with the stuck record's dedup id: its insert waits on the unique index until the
            // blocker's transaction ends, as a record waits on a lock, a slow disk or a database failover
            blocker.setAutoCommit(false);
            try (PreparedStatement hold = blocker.prepareStatement("""
                    insert into call_events (dedup_id, kind, received_at, payload)
                    values (?, 'CALL_STATUS', now(), '{}'::jsonb)""")) {
                hold.setString(1, stuckRecord.dedupId());
                hold.executeUpdate();
            }
            // both on partition 0, the stuck one first
            producer.send(new ProducerRecord<>("callgate.webhooks", 0, stuck, mapper.writeValueAsString(stuckRecord)))
                    .get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).until(() -> !Database.column("""
                    select pid from pg_stat_activity where wait_event_type = 'Lock' and query like '%call_events%'
                    """).isEmpty());
            producer.send(new ProducerRecord<>("callgate.webhooks", 0, other, mapper.writeValueAsString(otherRecord)))
                    .get(10, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(10)).until(() -> stored(other));
            assertThat(stored(stuck)).as("the stuck call's record still waits").isFalse();

            blocker.rollback();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stored(stuck));
    }
}
