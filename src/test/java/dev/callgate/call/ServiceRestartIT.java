package dev.callgate.call;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Database;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged service as its own process, killed (SIGKILL) while a call rings and started again. This JVM holds what
 * outlives it: Kafka, the webhook ingress and the Cloud API simulator with its WebRTC phones (calls are off here,
 * {@link IngressAndSimulatorOnly}); the service process places the calls.
 */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class)
@WithTestResource(KafkaBroker.class)
class ServiceRestartIT {

    private static final Duration AFTER_RESTART = Duration.ofSeconds(60);
    private static ServiceProcess service;

    @BeforeAll
    static void startService() throws Exception {
        // an effect left unfinished by the killed process is claimed again 3 s after its last attempt started
        service = new ServiceProcess("restart-it", 18091, 8081, Map.of("CALLGATE_CALLS_EFFECT_CLAIM", "3s")).start();
    }

    @AfterAll
    static void stopService() throws Exception {
        service.close();
    }

    @BeforeEach
    void reset() throws Exception {
        SimulatorAdminClient.reset();
        if (!service.alive()) {
            service.start();
        }
    }

    private static List<String> types(WebhookTopic events, String callRef) {
        return CloudEvents.callTypes(events.matching(r -> callRef.equals(r.key())));
    }

    /** Places a call to a user who lets it ring; returns its WhatsApp call id once the RINGING event is out. */
    private String placeRingingCall(WebhookTopic events, String callRef, String user) {
        SimulatorAdminClient.script(user, "neverAnswer", true, "toneHz", 660.0);
        Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, Webhooks.PHONE_NUMBER_ID,
                user, "{\"tone\":1000}"));
        ConsumerRecord<String, String> ringing = events.await(r -> callRef.equals(r.key())
                && r.value().contains("dev.callgate.call.ringing"), 1, Duration.ofSeconds(30)).get(0);
        String callId = CloudEvents.data(ringing).path("whatsappCallId").asText();
        assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("ringing_user");
        return callId;
    }

    @Test
    void aCallRingingWhenTheServiceIsKilledEndsMediaLostAndIsTerminatedAtTheCloudApi() throws Exception {
        String callRef = "restart-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = placeRingingCall(events, callRef, Webhooks.newUser());

            service.kill();
            // nobody ends the call while the service is down: the user's phone still rings at Meta
            assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("ringing_user");

            service.start();
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1, AFTER_RESTART).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("FAILED");
            assertThat(ended.path("reason").asText()).isEqualTo("media_lost");
            assertThat(types(events, callRef)).containsExactly("requested", "dialing", "ringing", "ended");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("ended");
                assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated");
            });
        }
    }

    @Test
    void aUserWhoRejectsWhileTheServiceIsDownDecidesTheOutcomeAfterTheRestart() throws Exception {
        String callRef = "restart-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events");
             WebhookTopic webhooks = WebhookTopic.webhooks()) {
            String callId = placeRingingCall(events, callRef, Webhooks.newUser());

            service.kill();
            SimulatorAdminClient.userAction(callId, "reject");
            // the ingress (alive in this JVM) put Meta's webhook on Kafka while the service was down
            webhooks.await(r -> r.value().contains(callId) && r.value().contains("REJECTED"), 1);

            service.start();
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1, AFTER_RESTART).get(0));
            assertThat(ended.path("outcome").asText()).as(ended.toString()).isEqualTo("REJECTED");
            assertThat(types(events, callRef)).containsExactly("requested", "dialing", "ringing", "ended");
            assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isNotEqualTo("business_terminated");
        }
    }

    @Test
    void aTerminateInFlightWhenTheServiceIsKilledIsSentAgainAfterTheRestartAndTheCallEndsOnce() throws Exception {
        String callRef = "restart-" + UUID.randomUUID();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callId = placeRingingCall(events, callRef, Webhooks.newUser());
            // Meta holds our terminate for 8 s and then fails it: the process dies while the request is in flight
            SimulatorAdminClient.fault("terminate", 503, 131000, 8000, 1);
            Commands.send(callRef, Commands.terminate("cmd-" + UUID.randomUUID(), callRef));
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    SimulatorAdminClient.faults().getInt("terminate.hits") == 1);
            service.kill();

            service.start();
            await().atMost(AFTER_RESTART).untilAsserted(() ->
                    assertThat(SimulatorAdminClient.call(callId).getString("endReason"))
                            .isEqualTo("business_terminated"));
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1, AFTER_RESTART).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("CANCELLED");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Database.column(
                    "select e.kind from call_effects e join calls c on c.id = e.call_id"
                            + " where c.call_reference = ? and e.done_at is null", callRef)).isEmpty());
            assertThat(events.matching(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"))).hasSize(1);
        }
    }
}
