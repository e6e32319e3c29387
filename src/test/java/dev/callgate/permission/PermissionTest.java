package dev.callgate.permission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.cloudapi.CallPermission;
import dev.callgate.cloudapi.CloudApiClient;
import dev.callgate.support.CloudEvents;
import dev.callgate.support.Commands;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.WebhookTopic;
import dev.callgate.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Call permissions end to end: requests through Kafka and REST to the simulator, the users' replies back through the
 * ingress and Kafka, the state in PostgreSQL, the events on {@code callgate.events}.
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class PermissionTest {

    static final String PNID = Webhooks.PHONE_NUMBER_ID;
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    CloudApiClient cloudApi;

    @BeforeEach
    void reset() {
        SimulatorAdminClient.reset();
    }

    private static String key(String user) {
        return "permission:" + PNID + ":" + user;
    }

    private JsonNode awaitEvent(WebhookTopic events, String user, String type) {
        return CloudEvents.data(events.await(r -> key(user).equals(r.key())
                && r.value().contains("\"dev.callgate.permission." + type + "\""), 1, Duration.ofSeconds(30)).get(0));
    }

    private static JsonPath view(String user) {
        return given().get("/v1/permissions/" + PNID + "/" + user).then().statusCode(200).extract().jsonPath();
    }

    private static void requestByCommand(String user) {
        Commands.send(user, """
                {"type":"permission.request","commandId":"%s","phoneNumberId":"%s","to":"%s","mode":"interactive",
                 "bodyText":"We would like to call you about your order"}""".formatted(UUID.randomUUID(), PNID, user));
    }

    /** The simulator's (Meta's) count of permission requests it received for the user in the last 24 h. */
    private int requestsAtMeta(String user) {
        CallPermission permission = cloudApi.callPermission(PNID, user).await().atMost(Duration.ofSeconds(10));
        return permission.action("send_call_permission_request").orElseThrow().limits().stream()
                .filter(l -> "PT24H".equals(l.timePeriod())).findFirst().orElseThrow().currentUsage();
    }

    @Test
    void aTemporaryAcceptOfARequestGrantsUntilItsExpiry() {
        String user = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            requestByCommand(user);
            JsonNode requested = awaitEvent(events, user, "requested");
            assertThat(requested.path("messageId").asText()).startsWith("wamid.");
            SimulatorAdminClient.reply(user, "accept", false);

            JsonNode granted = awaitEvent(events, user, "granted");
            assertThat(granted.path("status").asText()).isEqualTo("temporary");
            assertThat(granted.path("source").asText()).isEqualTo("request_reply");
            assertThat(granted.path("requestMessageId").asText()).isEqualTo(requested.path("messageId").asText());
            assertThat(Instant.parse(granted.path("expiresAt").asText()))
                    .isAfter(Instant.now().plus(Duration.ofDays(6)));
        }
        JsonPath view = view(user);
        assertThat(view.getString("status")).isEqualTo("temporary");
        assertThat(view.getInt("requests.sentLast24h")).isEqualTo(1);
        assertThat(view.getString("requests.blockedBy")).isEqualTo("daily_limit");
    }

    @Test
    void aPermanentAcceptOfARequestAndAGrantFromTheBusinessProfileArePermanent() {
        String user = Webhooks.newUser();
        String other = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            requestByCommand(user);
            awaitEvent(events, user, "requested");
            SimulatorAdminClient.reply(user, "accept", true);
            JsonNode viaRequest = awaitEvent(events, user, "granted");
            assertThat(viaRequest.path("status").asText()).isEqualTo("permanent");
            assertThat(viaRequest.path("source").asText()).isEqualTo("request_reply");
            assertThat(viaRequest.has("expiresAt")).isFalse();

            SimulatorAdminClient.grant(other, "permanent");
            JsonNode viaProfile = awaitEvent(events, other, "granted");
            assertThat(viaProfile.path("status").asText()).isEqualTo("permanent");
            assertThat(viaProfile.path("source").asText()).isEqualTo("business_profile");
            assertThat(viaProfile.has("requestMessageId")).isFalse();
        }
        assertThat(view(other).getString("status")).isEqualTo("permanent");
        assertThat(view(other).getString("requests.blockedBy")).isEqualTo("permanent_permission");
    }

    @Test
    void aReplyFromAUserKnownOnlyByBsuidIsAttributedToTheBsuid() {
        String user = Webhooks.newBsuidUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            // a request goes to them by recipient; their reply names them by from_user_id only
            Commands.send(user, """
                    {"type":"permission.request","commandId":"%s","phoneNumberId":"%s","recipient":"%s"}"""
                    .formatted(UUID.randomUUID(), PNID, user));
            assertThat(awaitEvent(events, user, "requested").path("messageId").asText()).startsWith("wamid.");
            SimulatorAdminClient.reply(user, "accept", false);
            assertThat(awaitEvent(events, user, "granted").path("status").asText()).isEqualTo("temporary");
        }
        String other = Webhooks.newBsuidUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            SimulatorAdminClient.grant(other, "permanent"); // from the business profile, by from_user_id only
            JsonNode granted = awaitEvent(events, other, "granted");
            assertThat(granted.path("status").asText()).isEqualTo("permanent");
            assertThat(granted.path("waId").asText()).isEqualTo(other);
        }
        assertThat(view(other).getString("status")).isEqualTo("permanent");
    }

    @Test
    void aRejectedRequestLeavesNoPermissionAndACallIsThenDeniedWithoutAskingMeta() {
        String user = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            requestByCommand(user);
            awaitEvent(events, user, "requested");
            SimulatorAdminClient.reply(user, "reject", false);
            JsonNode rejected = awaitEvent(events, user, "rejected");
            assertThat(rejected.path("status").asText()).isEqualTo("no_permission");

            String callRef = "perm-" + UUID.randomUUID();
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, PNID, user, null));
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("PERMISSION_DENIED");
            assertThat(ended.path("reason").asText()).isEqualTo("no_call_permission_known");
        }
        // Meta never saw a call to this user
        assertThat(given().get("/simulator/calls").then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.user == '" + user + "' }")).isEmpty();
    }

    @Test
    void metaRefusingACallFor138006TeachesUsThatThereIsNoPermission() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.revoke(user); // the user revoked at WhatsApp; no webhook says so
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            String callRef = "perm-" + UUID.randomUUID();
            Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, PNID, user, null));
            JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                    && r.value().contains("dev.callgate.call.ended"), 1).get(0));
            assertThat(ended.path("outcome").asText()).isEqualTo("PERMISSION_DENIED");
            assertThat(ended.path("errorCode").asInt()).isEqualTo(138006);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath view = view(user);
            assertThat(view.getString("status")).isEqualTo("no_permission");
        });
    }

    @Test
    void theAutomaticCallbackGrantAndTheAutomaticRevokeAfterFourUnansweredCallsAreFollowed() {
        String user = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            // the user calls the business: with callback permission enabled, WhatsApp grants one automatically
            cloudApi.updateCallingSettings(PNID, json.createObjectNode().put("callback_permission_status", "ENABLED"))
                    .await().atMost(Duration.ofSeconds(10));
            SimulatorAdminClient.revoke(user); // WhatsApp grants automatically only to a user without permission
            String callId = SimulatorAdminClient.placeCall(user, PNID, 660.0, null);
            JsonNode granted = awaitEvent(events, user, "granted");
            assertThat(granted.path("status").asText()).isEqualTo("temporary");
            assertThat(granted.path("source").asText()).isEqualTo("callback");
            assertThat(granted.path("callId").asText()).isEqualTo(callId);
            Commands.send(callId, Commands.reject("r-" + UUID.randomUUID(), callId));
            events.await(r -> callId.equals(r.key()) && r.value().contains("dev.callgate.call.ended"), 1);

            // then four business-initiated calls the user rejects
            SimulatorAdminClient.script(user, "reject", true, "answerAfterMs", 100);
            for (int i = 1; i <= 4; i++) {
                String callRef = "unanswered-" + i + "-" + UUID.randomUUID();
                Commands.send(callRef, Commands.initiate(UUID.randomUUID().toString(), callRef, PNID, user, null));
                JsonNode ended = CloudEvents.data(events.await(r -> callRef.equals(r.key())
                        && r.value().contains("dev.callgate.call.ended"), 1).get(0));
                assertThat(ended.path("outcome").asText()).isEqualTo("REJECTED");
                if (i == 2) {
                    JsonPath view = view(user);
                    assertThat(view.getInt("calls.unansweredInARow")).isEqualTo(2);
                    assertThat(view.getString("calls.warning")).contains("the next 2 unanswered revoke");
                }
            }
            JsonNode revoked = awaitEvent(events, user, "revoked");
            assertThat(revoked.path("status").asText()).isEqualTo("no_permission");
            assertThat(revoked.path("source").asText()).isEqualTo("unanswered_calls");
        }
        assertThat(view(user).getString("status")).isEqualTo("no_permission");
    }

    /**
     * Waits until the consumer has stored {@code statuses} message statuses of the message, then counts the user's
     * permission events of this type in the outbox: the consumer writes both in one transaction.
     */
    private static int eventsAfterStatuses(String messageId, int statuses, String user, String type) {
        await().atMost(Duration.ofSeconds(20)).until(() -> Database.column("select count(*) from call_events "
                + "where kind = 'MESSAGE_STATUS' and payload -> 'item' ->> 'id' = ?", messageId)
                .equals(java.util.List.of(String.valueOf(statuses))));
        return Integer.parseInt(Database.column("select count(*) from outbox where record_key = ? "
                + "and payload ->> 'type' = ?", key(user), "dev.callgate.permission." + type).get(0));
    }

    @Test
    void aRequestThatCannotReachTheUsersOldAppIsMarkedFailedWithMetasCode() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "permissionRequestFails", 131026, "permissionRequestReply", "accept");
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            requestByCommand(user);
            JsonNode requested = awaitEvent(events, user, "requested");
            String messageId = requested.path("messageId").asText();

            JsonNode failed = awaitEvent(events, user, "request_failed");
            assertThat(failed.path("errorCode").asInt()).isEqualTo(131026);
            assertThat(failed.path("messageId").asText()).isEqualTo(messageId);
            assertThat(failed.path("commandId").asText()).isEqualTo(requested.path("commandId").asText());
            assertThat(failed.path("phoneNumberId").asText()).isEqualTo(PNID);
            assertThat(failed.path("waId").asText()).isEqualTo(user);
            assertThat(failed.path("errorMessage").asText()).isEqualTo("Message undeliverable");
            assertThat(failed.path("reason").asText()).contains("old app version");

            // Meta sent "sent" then "failed", never "delivered"; the user never saw it, so cannot answer it
            assertThat(SimulatorAdminClient.permissionRequests(user).getList("[0].webhooks.kind", String.class))
                    .containsExactly("message_status sent", "message_status failed");
            given().contentType(ContentType.JSON).body(java.util.Map.of("response", "accept", "messageId", messageId))
                    .post("/simulator/users/" + user + "/permission-replies").then().statusCode(409);

            // Meta says it again (a later timestamp: not a redelivery): nothing new
            Webhooks.postSigned(Webhooks.failedMessageStatus(user, messageId, 131026)).statusCode(200)
                    .body("published", equalTo(1));
            assertThat(eventsAfterStatuses(messageId, 2, user, "request_failed")).isEqualTo(1);
            assertThat(eventsAfterStatuses(messageId, 2, user, "granted")).isZero();
        }
        JsonPath view = view(user);
        assertThat(view.getString("requests.latest.status")).isEqualTo("failed");
        assertThat(view.getBoolean("requests.latest.deliveryFailed")).isTrue();
        assertThat(view.getInt("requests.latest.errorCode")).isEqualTo(131026);
        assertThat(view.getString("requests.latest.reason")).contains("old app version");
        // the spec does not say Meta leaves an undelivered request out of the limits: it still counts
        assertThat(view.getInt("requests.sentLast24h")).isEqualTo(1);
        assertThat(view.getString("requests.blockedBy")).isEqualTo("daily_limit");
    }

    @Test
    void aDeliveredRequestIsAnsweredAndFailedStatusesOfItOrOfOtherMessagesChangeNothing() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "permissionRequestReply", "accept");
        String messageId;
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            requestByCommand(user);
            messageId = awaitEvent(events, user, "requested").path("messageId").asText();
            assertThat(awaitEvent(events, user, "granted").path("requestMessageId").asText()).isEqualTo(messageId);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(SimulatorAdminClient
                    .permissionRequests(user).getList("[0].webhooks.kind", String.class))
                    .containsExactly("message_status sent", "message_status delivered"));

            // a failed status after the user answered, and one of a message that is no permission request
            Webhooks.postSigned(Webhooks.failedMessageStatus(user, messageId, 131026)).statusCode(200)
                    .body("published", equalTo(1));
            String otherMessage = "wamid.other-" + UUID.randomUUID();
            Webhooks.postSigned(Webhooks.failedMessageStatus(user, otherMessage, 131047))
                    .statusCode(200).body("published", equalTo(1));
            assertThat(eventsAfterStatuses(messageId, 1, user, "request_failed")).isZero();
            assertThat(eventsAfterStatuses(otherMessage, 1, user, "request_failed")).isZero();
        }
        JsonPath view = view(user);
        assertThat(view.getString("status")).isEqualTo("temporary");
        assertThat(view.getString("requests.latest.status")).isEqualTo("sent");
        assertThat(view.getBoolean("requests.latest.deliveryFailed")).isFalse();
        assertThat(view.getString("requests.latest.messageId")).isEqualTo(messageId);
    }

    @Test
    void aTemplateIsAPermissionRequestByItsComponentNotByItsName() {
        String user = Webhooks.newUser();
        String other = Webhooks.newUser();
        createTemplate("callback_offer", "[{\"type\":\"BODY\",\"text\":\"May we call you about {{1}}?\"},"
                + "{\"type\":\"call_permission_request\"}]");
        createTemplate("call_permission_lookalike", "[{\"type\":\"BODY\",\"text\":\"Hello\"}]");
        given().contentType(ContentType.JSON).body("""
                {"phoneNumberId":"%s","to":"%s","mode":"template",
                 "template":{"name":"callback_offer","language":"en_US","parameters":["your order"]}}"""
                .formatted(PNID, user)).post("/v1/permissions/requests").then().statusCode(201);
        assertThat(requestsAtMeta(user)).isEqualTo(1);
        assertThat(SimulatorAdminClient.permissionRequests(user).getList("messageId")).hasSize(1);

        cloudApi.sendTemplate(PNID, other, "call_permission_lookalike", "en_US", null)
                .await().atMost(Duration.ofSeconds(10));
        assertThat(requestsAtMeta(other)).isZero();
    }

    private static void createTemplate(String name, String components) {
        given().header("Authorization", "Bearer sim-access-token").contentType(ContentType.JSON).body("""
                {"name":"%s","language":"en_US","category":"UTILITY","components":%s}""".formatted(name, components))
                .post("/v21.0/" + Webhooks.WABA_ID + "/message_templates").then().statusCode(200)
                .body("status", equalTo("APPROVED"));
    }

    @Test
    void aRequestMetaWouldRefuseIsRefusedHereAndNeverReachesMeta() {
        String permanent = Webhooks.newUser();
        String limited = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            SimulatorAdminClient.grant(permanent, "permanent");
            awaitEvent(events, permanent, "granted");
            given().contentType(ContentType.JSON).body("""
                    {"phoneNumberId":"%s","to":"%s"}""".formatted(PNID, permanent))
                    .post("/v1/permissions/requests").then().statusCode(409)
                    .body("detail", org.hamcrest.Matchers.containsString("138017"));
            assertThat(requestsAtMeta(permanent)).isZero();

            given().contentType(ContentType.JSON).body("""
                    {"phoneNumberId":"%s","to":"%s","bodyText":"May we call?"}""".formatted(PNID, limited))
                    .post("/v1/permissions/requests").then().statusCode(201).body("result", equalTo("sent"));
            String retryAfter = given().contentType(ContentType.JSON).body("""
                    {"phoneNumberId":"%s","to":"%s"}""".formatted(PNID, limited))
                    .post("/v1/permissions/requests").then().statusCode(429)
                    .body("detail", org.hamcrest.Matchers.containsString("138009")).extract().header("Retry-After");
            assertThat(Long.parseLong(retryAfter)).isBetween(86_000L, 86_400L);
            assertThat(requestsAtMeta(limited)).isEqualTo(1);

            JsonNode refused = awaitEvent(events, limited, "request_refused");
            assertThat(refused.path("errorCode").asInt()).isEqualTo(138009);
            assertThat(Instant.parse(refused.path("nextPossibleAt").asText()))
                    .isAfter(Instant.now().plus(Duration.ofHours(23)));
        }
        given().contentType(ContentType.JSON).body("{\"phoneNumberId\":\"x\",\"mode\":\"fax\"}")
                .post("/v1/permissions/requests").then().statusCode(400)
                .body("detail", org.hamcrest.Matchers.containsString("mode is interactive or template"));
    }

    @Test
    void anInvalidPermissionRequestOnKafkaGoesToTheDlqWithItsReasons() {
        String key = "bad-permission-" + UUID.randomUUID();
        try (WebhookTopic dlq = new WebhookTopic("callgate.commands.dlq")) {
            Commands.send(key, """
                    {"type":"permission.request","commandId":"%s","phoneNumberId":"%s","to":"12",
                     "mode":"template","template":{"name":"call_me"}}""".formatted(key, PNID));
            ConsumerRecord<String, String> dead = dlq.await(r -> key.equals(r.key()), 1).get(0);
            assertThat(new String(dead.headers().lastHeader("dead-letter-reason").value(),
                    java.nio.charset.StandardCharsets.UTF_8))
                    .contains("to is required").contains("template.name and template.language");
            assertThat(dead.value()).contains("\"call_me\"");
        }
    }

    @Test
    void aTemporaryPermissionThatLapsesProducesAnExpiredEvent() {
        String user = Webhooks.newUser();
        try (WebhookTopic events = new WebhookTopic("callgate.events")) {
            long now = Instant.now().getEpochSecond();
            Webhooks.postSigned(Webhooks.permissionReply(user, "accept", false, now + 2, "user_action",
                    "wamid.CPR-" + UUID.randomUUID(), now)).statusCode(200);
            assertThat(awaitEvent(events, user, "granted").path("status").asText()).isEqualTo("temporary");
            JsonNode expired = awaitEvent(events, user, "expired");
            assertThat(expired.path("status").asText()).isEqualTo("no_permission");
            // an older reply that arrives late does not bring the permission back
            Webhooks.postSigned(Webhooks.permissionReply(user, "accept", true, null, "user_action",
                    "wamid.CPR-" + UUID.randomUUID(), now - 3600)).statusCode(200);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> events.matching(r -> key(user).equals(r.key())
                            && r.value().contains("dev.callgate.permission.granted")).size() == 1);
        }
    }
}
