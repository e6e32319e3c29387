package dev.callgate.call.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.SignallingOffer;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Webhooks that never find their call: parked, then expired (the test profile keeps them 3 s), logged and counted;
 * connects Callgate cannot apply get a clear outcome; a connect without a direction is read from its SDP type.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class ParkedWebhooksTest {

    @Inject
    MeterRegistry registry;

    private double counter(String name) {
        var counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private static int parked(String callId) {
        return Integer.parseInt(Database.column(
                "select count(*) from parked_webhooks where whatsapp_call_id = ?", callId).get(0));
    }

    @Test
    void aStatusOfAnotherAppsCallIsParkedThenExpiresAndIsCounted() {
        String callId = Webhooks.newCallId(); // a call this service never placed (another app on the same WABA)
        double expiredBefore = counter("callgate.call.webhooks.parked.expired");
        Webhooks.postSigned(Webhooks.callStatus(callId, Webhooks.newUser(), "RINGING")).statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(callId) == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(callId) == 0);
        assertThat(counter("callgate.call.webhooks.parked.expired")).isGreaterThan(expiredBefore);
    }

    @Test
    void aConnectWithoutASessionIsCountedAndLeftAlone() {
        String callId = Webhooks.newCallId();
        double before = counter("callgate.call.webhooks.unusable");
        Webhooks.postSigned(Webhooks.envelope("calls", """
                "calls":[{"id":"%s","from":"4915112345678","to":"%s","event":"connect","timestamp":"%d",
                 "direction":"USER_INITIATED"}]""".formatted(callId, Webhooks.BUSINESS_NUMBER,
                System.currentTimeMillis() / 1000))).statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> counter("callgate.call.webhooks.unusable") > before);
        assertThat(Database.column("select count(*) from calls where whatsapp_call_id = ?", callId).get(0))
                .isEqualTo("0");
    }

    @Test
    void aUserCallWhoseConnectHasNoDirectionIsKnownByItsOffer() throws Exception {
        String callId = Webhooks.newCallId();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            Webhooks.postSigned(Webhooks.envelope("calls", """
                    "calls":[{"id":"%s","from":"4915112345678","to":"%s","event":"connect","timestamp":"%d",
                     "session":{"sdp_type":"offer","sdp":%s}}]""".formatted(callId, Webhooks.BUSINESS_NUMBER,
                    System.currentTimeMillis() / 1000,
                    new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(SignallingOffer.sdp()))))
                    .statusCode(200);
            JsonNode incoming = CloudEvents.data(events.await(r -> callId.equals(r.key())
                    && r.value().contains("dev.callgate.call.incoming"), 1).get(0));
            assertThat(incoming.path("direction").asText()).isEqualTo("USER_INITIATED");
            assertThat(incoming.path("from").asText()).isEqualTo("4915112345678");
        }
    }

    @Test
    void aWebhookStillParkedWhenItsCallIsKnownIsReplayedOnceByTheSweep() {
        String callId = Webhooks.newCallId();
        String user = Webhooks.newUser();
        Webhooks.postSigned(Webhooks.envelope("calls", Webhooks.contacts(user, "Zoë") + ",\n\"calls\":["
                + Webhooks.terminateItem(callId, user) + "]")).statusCode(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> !Database.column(
                "select id from parked_webhooks where whatsapp_call_id = ?", callId).isEmpty());

        // the call id was recorded, and the process stopped before it replayed what was parked for it
        String callRef = "parked-" + java.util.UUID.randomUUID();
        Database.execute("""
                insert into calls (id, call_reference, whatsapp_call_id, phone_number_id, user_wa_id, direction, state,
                                   answer_applied, created_at, updated_at, version)
                values (gen_random_uuid(), ?, ?, ?, ?, 'BUSINESS_INITIATED', 'RINGING', true, now(), now(), 1)""",
                callRef, callId, Webhooks.PHONE_NUMBER_ID, user);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(Database.column("select state from calls where call_reference = ?", callRef))
                    .containsExactly("ENDED");
            assertThat(Database.column("select id from parked_webhooks where whatsapp_call_id = ?", callId))
                    .isEmpty();
        });
        assertThat(Database.column("select outcome from calls where call_reference = ?", callRef))
                .containsExactly("COMPLETED");
    }
}
