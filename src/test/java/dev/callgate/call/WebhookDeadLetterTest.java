package dev.callgate.call;

import dev.callgate.support.KafkaBroker;
import dev.callgate.support.WebhookTopic;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
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
