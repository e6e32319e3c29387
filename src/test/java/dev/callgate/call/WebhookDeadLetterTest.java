package dev.callgate.call;

import dev.callgate.support.KafkaBroker;
import dev.callgate.support.WebhookTopic;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A record on callgate.webhooks that cannot be read is not lost: it goes to the DLQ with the reason. */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class WebhookDeadLetterTest {

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    @Test
    void aRecordPostgresRefusesForItsDataGoesToTheDlqAtOnceAndTheNextOneIsRecorded() {
        String poison = "wacid." + "A".repeat(300); // longer than call_events.whatsapp_call_id: SQLSTATE 22001
        String healthy = dev.callgate.support.Webhooks.newCallId();
        double retriesBefore = retries();
        try (WebhookTopic dlq = new WebhookTopic("callgate.webhooks.dlq")) {
            dev.callgate.support.Webhooks.postSigned(dev.callgate.support.Webhooks.callStatus(poison,
                    dev.callgate.support.Webhooks.newUser(), "RINGING")).statusCode(200);
            dev.callgate.support.Webhooks.postSigned(dev.callgate.support.Webhooks.callStatus(healthy,
                    dev.callgate.support.Webhooks.newUser(), "RINGING")).statusCode(200);
            var dead = dlq.await(r -> poison.equals(r.key()), 1);
            assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(),
                    StandardCharsets.UTF_8)).contains("SQLSTATE 22001").contains("a retry cannot help");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                    !dev.callgate.support.Database.column("select id from call_events where whatsapp_call_id = ?",
                            healthy).isEmpty());
        }
        assertThat(retries()).as("retries spent on a record that can never be stored").isEqualTo(retriesBefore);
    }

    private double retries() {
        var counter = registry.find("callgate.consumer.retries").tag("channel", WebhookEventRecorder.CHANNEL).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void unreadableRecordGoesToTheDlqWithItsReason() throws Exception {
        String key = "wacid.garbage-" + UUID.randomUUID();
        try (WebhookTopic dlq = new WebhookTopic("callgate.webhooks.dlq");
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            producer.send(new ProducerRecord<>("callgate.webhooks", key, "{not json")).get(10, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("callgate.webhooks", key, "{\"schema\":1}")).get(10, TimeUnit.SECONDS);

            var dead = dlq.await(r -> key.equals(r.key()), 2);
            assertThat(dead).extracting(r -> r.value()).containsExactly("{not json", "{\"schema\":1}");
            assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(),
                    StandardCharsets.UTF_8)).contains("unreadable callgate.webhooks record");
            assertThat(new String(dead.get(1).headers().lastHeader("dead-letter-reason").value(),
                    StandardCharsets.UTF_8)).contains("lacks dedupId");
        }
    }
}
