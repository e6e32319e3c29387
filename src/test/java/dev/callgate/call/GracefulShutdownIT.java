package dev.callgate.call;

import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.IngressAndSimulatorOnly;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.ServiceProcess;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM to the packaged service while it holds calls: it stops taking new ones (a new call.initiate stays on
 * Kafka), a call that ends by itself within the drain ends normally, the rest are hung up at the drain
 * deadline (terminate at the simulator), and the process exits leaving nothing open at Meta. The command it left is
 * placed once the service is back.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class)
@WithTestResource(KafkaBroker.class)
class GracefulShutdownIT {

    private static final ServiceProcess SERVICE = new ServiceProcess("drain-it", 18095, 8081,
            Map.of("CALLGATE_CALLS_DRAIN_TIMEOUT", "8s"));

    @AfterAll
    static void stop() throws Exception {
        SERVICE.close();
    }

    private static String data(ConsumerRecord<String, String> record, String field) {
        return CloudEvents.data(record).path(field).asText();
    }

    private ConsumerRecord<String, String> ended(WebhookTopic events, String ref, Duration max) {
        return events.await(r -> ref.equals(r.key()) && r.value().contains("dev.callgate.call.ended"), 1, max)
                .get(0);
    }

    @Test
    void sigtermDrainsActiveCallsTakesNoNewOnesAndLeavesNothingOpen() throws Exception {
        SimulatorAdminClient.reset();
        SERVICE.start();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String shortUser = Webhooks.newUser();
            String longUser = Webhooks.newUser();
            SimulatorAdminClient.script(shortUser, "answerAfterMs", 200, "hangUpAfterMs", 4000, "toneHz", 660.0);
            SimulatorAdminClient.script(longUser, "answerAfterMs", 200, "neverHangUp", true, "toneHz", 660.0);
            String shortRef = "drain-short-" + UUID.randomUUID();
            String longRef = "drain-long-" + UUID.randomUUID();
            Commands.send(shortRef, Commands.initiate(UUID.randomUUID().toString(), shortRef,
                    Webhooks.PHONE_NUMBER_ID, shortUser, null));
            Commands.send(longRef, Commands.initiate(UUID.randomUUID().toString(), longRef,
                    Webhooks.PHONE_NUMBER_ID, longUser, null));
            events.await(r -> List.of(shortRef, longRef).contains(r.key())
                    && r.value().contains("\"dev.callgate.call.connected\""), 2, Duration.ofSeconds(60));

            long stopping = System.nanoTime();
            Thread stopper = new Thread(() -> {
                try {
                    SERVICE.stop(Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stopper.start();
            // draining (its HTTP server is already closed: Kubernetes has taken the pod out of the Service)
            await().atMost(Duration.ofSeconds(10)).until(() -> SERVICE.logged("draining: 2 call(s)"));
            String lateUser = Webhooks.newUser();
            SimulatorAdminClient.script(lateUser, "answerAfterMs", 200, "hangUpAfterMs", 1000, "toneHz", 660.0);
            String lateRef = "drain-late-" + UUID.randomUUID();
            Commands.send(lateRef, Commands.initiate(UUID.randomUUID().toString(), lateRef,
                    Webhooks.PHONE_NUMBER_ID, lateUser, null));

            // the short call ends by itself; the long one is hung up at the deadline
            assertThat(data(ended(events, shortRef, Duration.ofSeconds(20)), "outcome")).isEqualTo("COMPLETED");
            assertThat(data(ended(events, shortRef, Duration.ofSeconds(1)), "reason")).isNotEqualTo("hung_up");
            ConsumerRecord<String, String> longEnd = ended(events, longRef, Duration.ofSeconds(40));
            assertThat(data(longEnd, "outcome")).isEqualTo("COMPLETED");
            assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isGreaterThanOrEqualTo(Duration.ofSeconds(7));
            stopper.join(Duration.ofSeconds(60).toMillis());
            assertThat(SERVICE.alive()).isFalse();

            // nothing left open at Meta, and the late command was not placed while draining
            assertThat(given().get("/simulator/calls").then().statusCode(200).extract().jsonPath()
                    .getList("findAll { it.state != 'ended' }")).isEmpty();
            assertThat(given().get("/simulator/calls").then().extract().jsonPath()
                    .getList("findAll { it.user == '" + lateUser + "' }")).isEmpty();

            // back up, the instance places the call that waited on Kafka
            SERVICE.start();
            assertThat(data(ended(events, lateRef, Duration.ofSeconds(60)), "outcome")).isEqualTo("COMPLETED");
        }
    }
}
