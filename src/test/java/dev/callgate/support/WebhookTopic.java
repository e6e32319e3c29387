package dev.callgate.support;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

/**
 * A real Kafka consumer on a topic, positioned at its end when opened: it sees only what is published afterwards.
 */
public final class WebhookTopic implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    public WebhookTopic(String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end offsets now, before the test publishes
    }

    public static WebhookTopic webhooks() {
        return new WebhookTopic("callgate.webhooks");
    }

    /** Waits until at least {@code count} records matching the filter have arrived; returns the matching ones. */
    public List<ConsumerRecord<String, String>> await(Predicate<ConsumerRecord<String, String>> filter, int count) {
        return await(filter, count, Duration.ofSeconds(20));
    }

    /** As {@link #await(Predicate, int)}, waiting at most {@code max}. */
    public List<ConsumerRecord<String, String>> await(Predicate<ConsumerRecord<String, String>> filter, int count,
                                                      Duration max) {
        Awaitility.await().atMost(max).pollInSameThread().until(() -> {
            poll();
            return matching(filter).size() >= count;
        });
        return matching(filter);
    }

    /** Everything published up to the topic's current end: for asserting that something was not published. */
    public List<ConsumerRecord<String, String>> drainToEnd() {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(30));
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInSameThread().until(() -> {
            poll();
            return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
        });
        return List.copyOf(seen);
    }

    /** Polls once (up to 200 ms) and returns every record seen so far that matches: for checks inside a wait. */
    public List<ConsumerRecord<String, String>> pollMatching(Predicate<ConsumerRecord<String, String>> filter) {
        poll();
        return matching(filter);
    }

    public List<ConsumerRecord<String, String>> matching(Predicate<ConsumerRecord<String, String>> filter) {
        return seen.stream().filter(filter).toList();
    }

    /**
     * Whether the consumer group has committed offsets past every record seen here that matches the filter, that is,
     * whether the application has finished processing them.
     */
    public boolean committedPast(String groupId, Predicate<ConsumerRecord<String, String>> filter) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaBroker.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            return matching(filter).stream().allMatch(r -> {
                OffsetAndMetadata offset = committed.get(new TopicPartition(r.topic(), r.partition()));
                return offset != null && offset.offset() > r.offset();
            });
        } catch (Exception e) {
            return false;
        }
    }

    private void poll() {
        consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
