package dev.callgate.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker for the tests. By default a single KRaft node (combined broker and controller) inside the test
 * JVM, built with Kafka's own {@code KafkaClusterTestKit}; with {@code CALLGATE_TEST_KAFKA_BOOTSTRAP} (env or system
 * property) the tests use that external broker instead. This is the only class that touches the test kit.
 */
public class KafkaBroker implements QuarkusTestResourceLifecycleManager {

    public static final String EXTERNAL = "CALLGATE_TEST_KAFKA_BOOTSTRAP";
    static final List<String> TOPICS = List.of("callgate.commands", "callgate.webhooks", "callgate.events",
            "callgate.commands.dlq", "callgate.webhooks.dlq");

    private static volatile KafkaClusterTestKit cluster;
    private static volatile String bootstrapServers;

    @Override
    public Map<String, String> start() {
        String external = System.getProperty(EXTERNAL, System.getenv(EXTERNAL));
        try {
            if (external != null && !external.isBlank()) {
                bootstrapServers = external;
            } else {
                KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .build())
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .setConfigProp("offsets.topic.num.partitions", "3")
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                        .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                        .setConfigProp("auto.create.topics.enable", "false")
                        .build();
                kit.format();
                kit.startup();
                kit.waitForReadyBrokers();
                cluster = kit;
                bootstrapServers = kit.bootstrapServers();
            }
            createTopics();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test Kafka broker", e);
        }
        return Map.of("kafka.bootstrap.servers", bootstrapServers);
    }

    private static void createTopics() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            var missing = TOPICS.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, 3, (short) 1)).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void stop() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the test Kafka broker", e);
            } finally {
                cluster = null;
            }
        }
    }

    public static String bootstrapServers() {
        return bootstrapServers;
    }

    /** Whether the broker runs in this JVM, so a test may stop and restart it. */
    public static boolean inProcess() {
        return cluster != null;
    }

    /** Stops the broker (not the controller): clients see it unavailable until {@link #restartBroker()}. */
    public static void stopBroker() {
        requireInProcess();
        cluster.brokers().values().forEach(broker -> broker.shutdown());
    }

    /** Starts the broker stopped by {@link #stopBroker()} again, on the same port. */
    public static void restartBroker() throws Exception {
        requireInProcess();
        cluster.brokers().values().forEach(broker -> broker.startup());
        cluster.waitForReadyBrokers();
    }

    private static void requireInProcess() {
        if (cluster == null) {
            throw new IllegalStateException("the broker is external (" + EXTERNAL + "); it cannot be stopped by a test");
        }
    }
}
