package dev.callgate.call.flow;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * The webhooks already on {@code callgate.webhooks} when this instance started, and whether the webhook consumer group
 * has worked through them (its committed offsets reached the end offsets read at start). After a restart the
 * restart recovery waits for this, so what the user did while we were down (rejected, hung up) decides a call's end.
 */
@ApplicationScoped
public class WebhookBacklog {

    private static final Logger LOG = Logger.getLogger(WebhookBacklog.class);

    private final Map<String, Object> kafka;
    private final String topic;
    private final String group;

    public WebhookBacklog(@Identifier("default-kafka-broker") Map<String, Object> kafka,
                          @ConfigProperty(name = "mp.messaging.incoming.webhooks-in.topic") String topic,
                          @ConfigProperty(name = "mp.messaging.incoming.webhooks-in.group.id") String group) {
        this.kafka = kafka;
        this.topic = topic;
        this.group = group;
    }

    /**
     * Completes with true once the consumer group committed past every record that was on the topic when this was
     * called, or with false when {@code max} passed first (or Kafka could not be asked). Runs on a worker thread.
     */
    public Uni<Boolean> awaitCaughtUp(Duration max) {
        return Uni.createFrom().item(() -> caughtUp(max)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private boolean caughtUp(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        try (Admin admin = Admin.create(adminConfig())) {
            var partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition()))
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                    : admin.listOffsets(partitions).all().get(10, TimeUnit.SECONDS).entrySet()) {
                if (e.getValue().offset() > 0) {
                    ends.put(e.getKey(), e.getValue().offset());
                }
            }
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                long behind = ends.entrySet().stream().mapToLong(e -> {
                    OffsetAndMetadata at = committed.get(e.getKey());
                    return Math.max(0, e.getValue() - (at == null ? 0 : at.offset()));
                }).sum();
                if (behind == 0) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    LOG.warnf("the webhook consumer is still %d record(s) behind the start-up backlog after %s",
                            behind, max);
                    return false;
                }
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            }
        } catch (Exception e) {
            LOG.warnf("cannot compare the webhook consumer with the backlog: %s", e.toString());
            return false;
        }
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> config = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                config.put(key, value);
            }
        });
        config.putIfAbsent(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.get("bootstrap.servers"));
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "callgate-backlog");
        return config;
    }
}
