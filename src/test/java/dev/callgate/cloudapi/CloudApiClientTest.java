package dev.callgate.cloudapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.media.AudioPeer;
import dev.callgate.support.IngressAndSimulatorOnly;
import dev.callgate.support.KafkaBroker;
import dev.callgate.support.OnVertx;
import dev.callgate.support.SignallingOffer;
import dev.callgate.support.SimulatorAdminClient;
import dev.callgate.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** The Cloud API client against the simulator: every operation's success path, typed errors, retry policy. */
@QuarkusTest
@TestProfile(IngressAndSimulatorOnly.class) // Meta's side only: no Callgate answering the simulated calls too
@WithTestResource(KafkaBroker.class)
class CloudApiClientTest {

    static final String PNID = Webhooks.PHONE_NUMBER_ID;

    @Inject
    CloudApiClient client;
    @Inject
    ConnectLimiter limiter;
    @Inject
    ObjectMapper mapper;
    @Inject
    MeterRegistry registry;

    @TestHTTPResource("/")
    URL base;


    @BeforeEach
    void resetSimulator() {
        SimulatorAdminClient.reset();
    }

    private CloudApiClient clientWith(String token, int maxRetries, Duration readTimeout) {
        String url = base.toString().replaceAll("/$", "");
        return new CloudApiClient(new TestCloudApiConfig(url, "v23.0", token, Duration.ofSeconds(2), readTimeout,
                maxRetries, 10_000), mapper, limiter, registry);
    }

    private String connect(String user) {
        return OnVertx.await(() -> client.connect(PNID, user, SignallingOffer.sdp(), "order-1"));
    }

    private static CloudApiException graphError(Runnable call) {
        return catchThrowableOfType(CloudApiException.class, call::run);
    }

    // ---- success paths ------------------------------------------------------------------------------------------

    @Test
    void connectReturnsTheCallIdAndTerminateEndsIt() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        String callId = connect(user);
        assertThat(callId).startsWith("wacid.");
        assertThat(SimulatorAdminClient.call(callId).getString("direction")).isEqualTo("BUSINESS_INITIATED");
        assertThat(SimulatorAdminClient.call(callId).getString("bizOpaqueCallbackData")).isEqualTo("order-1");

        client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(10));
        assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("ended");
        assertThat(SimulatorAdminClient.call(callId).getString("endReason")).isEqualTo("business_terminated");
        assertThat(registry.find("callgate.cloudapi.requests").tags("action", "connect", "outcome", "success")
                .counter().count()).isPositive();
        assertThat(registry.find("callgate.cloudapi.latency").tag("action", "terminate").timer().count()).isPositive();
    }

    @Test
    void userInitiatedCallIsPreAcceptedAcceptedAndRejected() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverHangUp", true);
        String callId = SimulatorAdminClient.placeCall(user, 550);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> SimulatorAdminClient.call(callId).getString("offerSdp") != null);
        try (AudioPeer answerer = AudioPeer.create("uic-business", 0)) {
            String answer = answerer.acceptOffer(SimulatorAdminClient.call(callId).getString("offerSdp"))
                    .get(10, TimeUnit.SECONDS);
            client.preAccept(PNID, callId, answer).await().atMost(Duration.ofSeconds(10));
            assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("preaccepted");
            // the SDP of accept must be the one of pre_accept; line endings do not matter
            client.accept(PNID, callId, answer.replace("\r\n", "\n"), "uic-1").await().atMost(Duration.ofSeconds(10));
            assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("active");
            client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(10));
        }

        String other = Webhooks.newUser();
        String rejected = SimulatorAdminClient.placeCall(other, 550);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> SimulatorAdminClient.call(rejected).getString("offerSdp") != null);
        // a ringing user call is declined with reject; Meta refuses terminate for it
        CloudApiException notYet = graphError(() -> client.terminate(PNID, rejected).await()
                .atMost(Duration.ofSeconds(10)));
        assertThat(notYet.error()).isEqualTo(CallingError.INVALID_PARAMETER);
        assertThat(notYet.graphMessage() + notYet.details().orElse("")).contains("reject");
        client.reject(PNID, rejected).await().atMost(Duration.ofSeconds(10));
        assertThat(SimulatorAdminClient.call(rejected).getString("endReason")).isEqualTo("business_rejected");
    }

    @Test
    void acceptWithAnotherSdpThanPreAcceptIsInvalid() throws Exception {
        String user = Webhooks.newUser();
        String callId = SimulatorAdminClient.placeCall(user, 550);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> SimulatorAdminClient.call(callId).getString("offerSdp") != null);
        try (AudioPeer one = AudioPeer.create("uic-a", 0); AudioPeer two = AudioPeer.create("uic-b", 0)) {
            String offerSdp = SimulatorAdminClient.call(callId).getString("offerSdp");
            String first = one.acceptOffer(offerSdp).get(10, TimeUnit.SECONDS);
            String second = two.acceptOffer(offerSdp).get(10, TimeUnit.SECONDS);
            client.preAccept(PNID, callId, first).await().atMost(Duration.ofSeconds(10));
            CloudApiException error = graphError(() -> client.accept(PNID, callId, second, null)
                    .await().atMost(Duration.ofSeconds(10)));
            assertThat(error.error()).isEqualTo(CallingError.INVALID_PARAMETER);
            assertThat(error.details()).hasValueSatisfying(d -> assertThat(d).contains("does not match"));
            client.reject(PNID, callId).await().atMost(Duration.ofSeconds(10));
        }
    }

    @Test
    void callPermissionIsParsedWithItsActionsAndLimits() {
        String user = Webhooks.newUser();
        CallPermission permission = client.callPermission(PNID, user).await().atMost(Duration.ofSeconds(10));
        assertThat(permission.status()).isEqualTo(CallPermission.Status.TEMPORARY);
        assertThat(permission.expiresAt()).hasValueSatisfying(t -> assertThat(t).isAfter(Instant.now().plus(Duration.ofDays(6))));
        assertThat(permission.canStartCall()).isTrue();
        CallPermission.Action request = permission.action("send_call_permission_request").orElseThrow();
        assertThat(request.limits()).extracting(CallPermission.Limit::timePeriod).containsExactly("PT24H", "P7D");
        assertThat(permission.action("start_call").orElseThrow().limits().get(0).maxAllowed()).isEqualTo(100);

        SimulatorAdminClient.revoke(user);
        assertThat(client.callPermission(PNID, user).await().atMost(Duration.ofSeconds(10)).status())
                .isEqualTo(CallPermission.Status.NO_PERMISSION);
        SimulatorAdminClient.grant(user, "permanent");
        CallPermission permanent = client.callPermission(PNID, user).await().atMost(Duration.ofSeconds(10));
        assertThat(permanent.status()).isEqualTo(CallPermission.Status.PERMANENT);
        assertThat(permanent.expiresAt()).isEmpty();
    }

    @Test
    void settingsAreReadAndUpdatedAndValidated() {
        assertThat(client.callingSettings(PNID).await().atMost(Duration.ofSeconds(10)).path("status").asText())
                .isEqualTo("ENABLED");
        ObjectNode update = mapper.createObjectNode();
        update.put("callback_permission_status", "ENABLED");
        ObjectNode hours = update.putObject("call_hours");
        hours.put("status", "ENABLED");
        hours.put("timezone_id", "Europe/Berlin");
        hours.putArray("weekly_operating_hours").addObject()
                .put("day_of_week", "MONDAY").put("open_time", "09:00").put("close_time", "1700");
        client.updateCallingSettings(PNID, update).await().atMost(Duration.ofSeconds(10));
        var settings = client.callingSettings(PNID).await().atMost(Duration.ofSeconds(10));
        assertThat(settings.path("callback_permission_status").asText()).isEqualTo("ENABLED");
        assertThat(settings.path("call_hours").path("timezone_id").asText()).isEqualTo("Europe/Berlin");
        // Meta takes "HH:MM" (one of its samples uses it) and keeps "HHMM"
        assertThat(settings.path("call_hours").path("weekly_operating_hours").path(0).path("open_time").asText())
                .isEqualTo("0900");

        hours.put("timezone_id", "Mars/Olympus_Mons");
        CloudApiException error = graphError(() -> client.updateCallingSettings(PNID, update)
                .await().atMost(Duration.ofSeconds(10)));
        assertThat(error.error()).isEqualTo(CallingError.INVALID_PARAMETER);
        assertThat(error.details()).hasValueSatisfying(d -> assertThat(d).contains("Invalid timezone"));
    }

    @Test
    void permissionRequestsAreSentAndLimited() {
        String user = Webhooks.newUser();
        SentMessage sent = client.sendPermissionRequest(PNID, user, "May we call you about order 77?")
                .await().atMost(Duration.ofSeconds(10));
        assertThat(sent.messageId()).startsWith("wamid.");
        assertThat(sent.waId()).isEqualTo(user);

        CloudApiException limit = graphError(() -> client.sendPermissionRequest(PNID, user, null)
                .await().atMost(Duration.ofSeconds(10)));
        assertThat(limit.error()).isEqualTo(CallingError.PERMISSION_REQUEST_LIMIT);
        assertThat(limit.code()).isEqualTo(138009);
        assertThat(limit.httpStatus()).isEqualTo(400);

        String permanent = Webhooks.newUser();
        SimulatorAdminClient.grant(permanent, "permanent");
        CloudApiException exists = graphError(() -> client.sendPermissionRequest(PNID, permanent, null)
                .await().atMost(Duration.ofSeconds(10)));
        assertThat(exists.error()).isEqualTo(CallingError.PERMANENT_PERMISSION_EXISTS);

        SentMessage template = client.sendTemplate(PNID, Webhooks.newUser(), "call_permission_request_v1", "en_US",
                null).await().atMost(Duration.ofSeconds(10));
        assertThat(template.messageId()).startsWith("wamid.");
        ObjectNode voiceCall = mapper.createObjectNode().put("type", "voice_call");
        voiceCall.putObject("body").put("text", "Call us");
        voiceCall.putObject("action").put("name", "voice_call");
        assertThat(client.sendInteractive(PNID, Webhooks.newUser(), voiceCall).await().atMost(Duration.ofSeconds(10))
                .messageId()).startsWith("wamid.");
    }

    // ---- typed errors -------------------------------------------------------------------------------------------

    @Test
    void connectWithoutPermissionIs138006() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.revoke(user);
        CloudApiException error = graphError(() -> connect(user));
        assertThat(error.error()).isEqualTo(CallingError.NO_CALL_PERMISSION);
        assertThat(error.httpStatus()).isEqualTo(401);
        assertThat(error.type()).isEqualTo("OAuthException");
        assertThat(error.fbtraceId()).isPresent();
    }

    @Test
    void secondCallToTheSameUserIs138003() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        String first = connect(user);
        CloudApiException error = graphError(() -> connect(user));
        assertThat(error.error()).isEqualTo(CallingError.DUPLICATE_CALL);
        client.terminate(PNID, first).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void invalidRequestsAre100WithDetails() {
        String user = Webhooks.newUser();
        CloudApiException noFingerprint = graphError(() -> OnVertx.await(() -> client.connect(PNID, user,
                SignallingOffer.sdp().replaceAll("a=fingerprint:[^\\r\\n]*\\r\\n", ""), null)));
        assertThat(noFingerprint.error()).isEqualTo(CallingError.INVALID_PARAMETER);
        assertThat(noFingerprint.details()).hasValue("No fingerprint found in SDP");

        CloudApiException longOpaque = graphError(() -> OnVertx.await(() -> client.connect(PNID, user, SignallingOffer.sdp(),
                "x".repeat(513))));
        assertThat(longOpaque.details()).hasValueSatisfying(d -> assertThat(d).contains("512"));

        CloudApiException badTo = graphError(() -> OnVertx.await(() -> client.connect(PNID, "not-a-number", SignallingOffer.sdp(),
                null)));
        assertThat(badTo.error()).isEqualTo(CallingError.INVALID_PARAMETER);

        CloudApiException unknownCall = graphError(() -> client.terminate(PNID, "wacid.nope")
                .await().atMost(Duration.ofSeconds(10)));
        assertThat(unknownCall.details()).hasValueSatisfying(d -> assertThat(d).contains("Invalid call_id"));
    }

    @Test
    void callingDisabledIs138000() {
        ObjectNode off = mapper.createObjectNode().put("status", "DISABLED");
        client.updateCallingSettings(PNID, off).await().atMost(Duration.ofSeconds(10));
        CloudApiException error = graphError(() -> connect(Webhooks.newUser()));
        assertThat(error.error()).isEqualTo(CallingError.CALLING_NOT_ENABLED);
        assertThat(error.httpStatus()).isEqualTo(401);
    }

    @Test
    void badAccessTokenIs190() {
        CloudApiClient wrongToken = clientWith("not-the-token", 0, Duration.ofSeconds(5));
        CloudApiException error = graphError(() -> wrongToken.callPermission(PNID, Webhooks.newUser())
                .await().atMost(Duration.ofSeconds(10)));
        assertThat(error.error()).isEqualTo(CallingError.INVALID_ACCESS_TOKEN);
        assertThat(error.httpStatus()).isEqualTo(401);
        assertThat(error.getMessage()).doesNotContain("not-the-token").doesNotContain("sim-access-token");
    }

    @Test
    void permissionFetchRateLimitIs613() {
        CloudApiClient noRetries = clientWith("sim-access-token", 0, Duration.ofSeconds(5));
        String user = Webhooks.newUser();
        CloudApiException error = null;
        for (int i = 0; i < 20 && error == null; i++) {
            error = graphError(() -> noRetries.callPermission(PNID, user).await().atMost(Duration.ofSeconds(10)));
        }
        assertThat(error).isNotNull();
        assertThat(error.error()).isEqualTo(CallingError.PERMISSION_FETCH_RATE_LIMIT);
        assertThat(error.httpStatus()).isEqualTo(429);
    }

    // ---- retry policy -------------------------------------------------------------------------------------------

    @Test
    void terminateSurvivesTwo503s() {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverAnswer", true);
        String callId = connect(user);
        SimulatorAdminClient.fault("terminate", 503, 138004, 0, 2);
        client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(20));
        assertThat(SimulatorAdminClient.faults().getInt("terminate.hits")).isEqualTo(2);
        assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("ended");
    }

    @Test
    void aRetriedCallActionThatMetaHadAlreadyCarriedOutIsASuccess() throws Exception {
        String user = Webhooks.newUser();
        SimulatorAdminClient.script(user, "neverHangUp", true);
        String callId = SimulatorAdminClient.placeCall(user, 550);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> SimulatorAdminClient.call(callId).getString("offerSdp") != null);
        try (AudioPeer answerer = AudioPeer.create("uic-retried", 0)) {
            String answer = answerer.acceptOffer(SimulatorAdminClient.call(callId).getString("offerSdp"))
                    .get(10, TimeUnit.SECONDS);
            // each action is carried out at Meta, its answer lost (503); the retry hears "already …": success
            SimulatorAdminClient.faultAfterApplying("pre_accept", 503, 138004, 1);
            client.preAccept(PNID, callId, answer).await().atMost(Duration.ofSeconds(10));
            SimulatorAdminClient.faultAfterApplying("accept", 503, 138004, 1);
            client.accept(PNID, callId, answer, null).await().atMost(Duration.ofSeconds(10));
            assertThat(SimulatorAdminClient.faults().getInt("accept.hits")).isEqualTo(1);
            assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("active");
            SimulatorAdminClient.faultAfterApplying("terminate", 503, 138004, 1);
            client.terminate(PNID, callId).await().atMost(Duration.ofSeconds(10));
            assertThat(SimulatorAdminClient.call(callId).getString("state")).isEqualTo("ended");
            // without an earlier attempt that may have landed, "already accepted" is Meta's refusal, not our success
            CloudApiException again = graphError(() -> client.accept(PNID, callId, answer, null)
                    .await().atMost(Duration.ofSeconds(10)));
            assertThat(again.graphMessage() + again.details().orElse("")).contains("already");
        }
        String other = Webhooks.newUser();
        String rejected = SimulatorAdminClient.placeCall(other, 550);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> SimulatorAdminClient.call(rejected).getString("offerSdp") != null);
        SimulatorAdminClient.faultAfterApplying("reject", 503, 138004, 1);
        client.reject(PNID, rejected).await().atMost(Duration.ofSeconds(10));
        assertThat(SimulatorAdminClient.call(rejected).getString("endReason")).isEqualTo("business_rejected");
        assertThat(registry.find("callgate.cloudapi.already.done").tag("action", "accept").counter().count())
                .isPositive();
    }

    @Test
    void alreadyDoneIsReadOnlyWhereItMeansTheGoalWasReached() {
        CloudApiException accepted = new CloudApiException("accept", 400, 100, null, "OAuthException",
                "(#100) Invalid parameter", null, "The call is already accepted");
        assertThat(CloudApiClient.alreadyDone("accept", accepted, true)).isTrue();
        assertThat(CloudApiClient.alreadyDone("accept", accepted, false)).isFalse();
        CloudApiException ended = new CloudApiException("terminate", 400, 100, null, "OAuthException",
                "(#100) Invalid parameter", null, "The call has already ended (user_hung_up)");
        assertThat(CloudApiClient.alreadyDone("terminate", ended, false)).isTrue();
        assertThat(CloudApiClient.alreadyDone("accept", ended, true)).isFalse(); // an ended call was not accepted
        CloudApiException busy = new CloudApiException("accept", 503, 138004, null, "OAuthException",
                "already accepted", null, null);
        assertThat(CloudApiClient.alreadyDone("accept", busy, true)).isFalse(); // transient: retried instead
    }

    @Test
    void connectIsNotRetriedOn503() {
        SimulatorAdminClient.fault("connect", 503, 138004, 0, 5);
        CloudApiException error = graphError(() -> connect(Webhooks.newUser()));
        assertThat(error.httpStatus()).isEqualTo(503);
        assertThat(error.error()).isEqualTo(CallingError.CONNECTION_ERROR);
        assertThat(SimulatorAdminClient.faults().getInt("connect.hits")).isEqualTo(1);
    }

    @Test
    void connectTimeoutIsAnOutcomeTheCallerSeesAndIsNotRetried() {
        CloudApiClient impatient = clientWith("sim-access-token", 3, Duration.ofMillis(500));
        SimulatorAdminClient.fault("connect", 0, 0, 1500, 5);
        CloudApiUnreachableException error = catchThrowableOfType(CloudApiUnreachableException.class,
                () -> OnVertx.await(() -> impatient.connect(PNID, Webhooks.newUser(), SignallingOffer.sdp(), null)));
        assertThat(error.mayHaveReachedMeta()).isTrue();
        assertThat(error.action()).isEqualTo("connect");
        assertThat(SimulatorAdminClient.faults().getInt("connect.hits")).isEqualTo(1);
    }

    @Test
    void unreachableGraphIsRetriedForIdempotentActionsAndTyped() {
        CloudApiClient nowhere = new CloudApiClient(new TestCloudApiConfig("http://127.0.0.1:9", "v23.0",
                "sim-access-token", Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 10_000), mapper, limiter, registry);
        CloudApiUnreachableException error = catchThrowableOfType(CloudApiUnreachableException.class,
                () -> nowhere.terminate(PNID, "wacid.x").await().atMost(Duration.ofSeconds(20)));
        assertThat(error.mayHaveReachedMeta()).isFalse();
        assertThat(registry.find("callgate.cloudapi.requests").tag("action", "terminate")
                .tag("outcome", "unreachable").counter().count()).isGreaterThanOrEqualTo(3);
    }
}
