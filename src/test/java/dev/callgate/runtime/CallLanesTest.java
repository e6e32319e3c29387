package dev.callgate.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The lanes alone: order within a call, parallel across calls, the in-flight bound, ack and nack (the DLQ, counted). */
class CallLanesTest {

    private final Vertx vertx = Vertx.vertx();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** The outcome of each message: "ack" or the nack's reason. */
    private final Map<String, String> settled = new ConcurrentHashMap<>();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private Message<String> message(String name) {
        return Message.of(name, () -> {
            settled.put(name, "ack");
            return CompletableFuture.completedFuture(null);
        }, reason -> {
            settled.put(name, "nack: " + reason.getMessage());
            return CompletableFuture.completedFuture(null);
        });
    }

    private static void admitted(Uni<Void> admission) {
        admission.await().atMost(Duration.ofSeconds(5));
    }

    @Test
    void aCallsRecordsRunOneAfterTheOtherInArrivalOrderWhileAnotherCallsRunsPastThem() {
        CallLanes lanes = new CallLanes("test", 16, vertx, registry, false);
        List<String> ran = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> firstOfA = new CompletableFuture<>();

        admitted(lanes.admit(message("a1"), "A", () -> {
            ran.add("a1");
            return Uni.createFrom().completionStage(firstOfA);
        }));
        admitted(lanes.admit(message("a2"), "A", () -> {
            ran.add("a2");
            return Uni.createFrom().voidItem();
        }));
        admitted(lanes.admit(message("b1"), "B", () -> {
            ran.add("b1");
            return Uni.createFrom().voidItem();
        }));

        await().atMost(Duration.ofSeconds(5)).until(() -> "ack".equals(settled.get("b1")));
        assertThat(ran).as("a2 waits for a1; b1 does not").containsExactlyInAnyOrder("a1", "b1");
        assertThat(settled).doesNotContainKeys("a1", "a2");
        assertThat(lanes.inFlight()).isEqualTo(2);

        firstOfA.complete(null);
        await().atMost(Duration.ofSeconds(5)).until(() -> "ack".equals(settled.get("a2")));
        assertThat(ran).containsSubsequence("a1", "a2");
        assertThat(settled.get("a1")).isEqualTo("ack");
        await().atMost(Duration.ofSeconds(5)).until(() -> lanes.inFlight() == 0);
        assertThat(registry.get("callgate.consumer.in.flight").tag("channel", "test").gauge().value()).isZero();
    }

    @Test
    void aFailedRecordIsNackedWithItsReasonAndTheNextRecordOfItsCallStillRuns() {
        CallLanes lanes = new CallLanes("test", 4, vertx, registry, false);
        assertThat(registry.get("callgate.consumer.dead.lettered").tag("channel", "test").counter().count())
                .as("registered at 0 before the first dead letter").isZero();
        admitted(lanes.admit(message("a1"), "A", () -> Uni.createFrom().failure(new IllegalArgumentException("bad data"))));
        admitted(lanes.admit(message("a2"), "A", () -> {
            throw new IllegalStateException("thrown, not returned");
        }));
        admitted(lanes.admit(message("a3"), "A", () -> Uni.createFrom().voidItem()));

        await().atMost(Duration.ofSeconds(5)).until(() -> settled.size() == 3);
        assertThat(settled).containsEntry("a1", "nack: bad data")
                .containsEntry("a2", "nack: thrown, not returned")
                .containsEntry("a3", "ack");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(registry
                .get("callgate.consumer.dead.lettered").tag("channel", "test").counter().count())
                .as("the two nacked records").isEqualTo(2));
    }

    @Test
    void pastTheBoundAdmissionWaitsUntilARecordIsDone() {
        CallLanes lanes = new CallLanes("test", 2, vertx, registry, false);
        CompletableFuture<Void> release = new CompletableFuture<>();
        admitted(lanes.admit(message("a"), "A", () -> Uni.createFrom().completionStage(release)));
        admitted(lanes.admit(message("b"), "B", () -> Uni.createFrom().completionStage(release)));

        CompletableFuture<Void> third = lanes.admit(message("c"), "C", () -> Uni.createFrom().voidItem())
                .subscribeAsCompletionStage();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !third.isDone());
        assertThat(settled).isEmpty();

        release.complete(null);
        await().atMost(Duration.ofSeconds(5)).until(third::isDone);
        await().atMost(Duration.ofSeconds(5)).until(() -> settled.size() == 3);
        assertThat(settled.values()).containsOnly("ack");
        await().atMost(Duration.ofSeconds(5)).until(() -> lanes.inFlight() == 0);
    }
}
