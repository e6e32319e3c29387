package dev.callgate.cloudapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Lenient reading of what Meta sends in more than one shape (spec §2.3, §4.2, §5.1). */
class CloudApiParsingTest {

    private final ObjectMapper json = new ObjectMapper();

    private JsonNode read(String text) throws Exception {
        return json.readTree(text);
    }

    @Test
    void permissionExpiryIsReadUnderEitherNameAsNumberOrString() throws Exception {
        CallPermission sample = CloudApiClient.parsePermission(read("""
                {"messaging_product":"whatsapp","permission":{"status":"temporary","expiration_time":1745343479},
                 "actions":[{"action_name":"start_call","can_perform_action":false,"limits":[{"time_period":"PT24H",
                 "max_allowed":100,"current_usage":100,"limit_expiration_time":"1745622600"}]}]}"""));
        assertThat(sample.expiresAt()).hasValue(Instant.ofEpochSecond(1745343479));
        assertThat(sample.canStartCall()).isFalse();
        assertThat(sample.action("start_call").orElseThrow().limits().get(0).limitExpiresAt())
                .hasValue(Instant.ofEpochSecond(1745622600));

        CallPermission table = CloudApiClient.parsePermission(read("""
                {"permission":{"status":"Temporary","expiration":"1745343479"},"actions":[]}"""));
        assertThat(table.status()).isEqualTo(CallPermission.Status.TEMPORARY);
        assertThat(table.expiresAt()).hasValue(Instant.ofEpochSecond(1745343479));
        assertThat(table.canStartCall()).isTrue();

        CallPermission permanent = CloudApiClient.parsePermission(read("{\"permission\":{\"status\":\"PERMANENT\"}}"));
        assertThat(permanent.status()).isEqualTo(CallPermission.Status.PERMANENT);
        assertThat(permanent.expiresAt()).isEmpty();
        assertThat(CloudApiClient.parsePermission(read("{}")).status()).isEqualTo(CallPermission.Status.NO_PERMISSION);
    }

    @Test
    void graphErrorEnvelopeIsTypedWithEveryField() {
        CloudApiException e = GraphErrorEnvelope.read(json, "connect", 400, """
                {"error":{"message":"limit","type":"OAuthException","code":"138012","error_subcode":2494,
                 "error_data":{"messaging_product":"whatsapp","details":"next call allowed at 1767254400"},
                 "fbtrace_id":"AbC"}}""");
        assertThat(e.error()).isEqualTo(CallingError.CONNECTED_CALL_LIMIT);
        assertThat(e.subcode()).hasValue(2494);
        assertThat(e.fbtraceId()).hasValue("AbC");
        assertThat(e.nextAllowedAt()).hasValue(Instant.ofEpochSecond(1767254400));
        assertThat(e.transientFailure()).isFalse();
    }

    @Test
    void aNonGraphErrorBodyStillBecomesATypedError() {
        CloudApiException e = GraphErrorEnvelope.read(json, "terminate", 502, "<html>Bad Gateway</html>");
        assertThat(e.httpStatus()).isEqualTo(502);
        assertThat(e.error()).isEqualTo(CallingError.UNKNOWN);
        assertThat(e.details()).hasValue("<html>Bad Gateway</html>");
        assertThat(e.transientFailure()).isTrue();
    }

    @Test
    void everyCodeMapsToItsDocumentedStatus() {
        assertThat(CallingError.of(138006).httpStatus()).isEqualTo(401);
        assertThat(CallingError.of(138000).httpStatus()).isEqualTo(401);
        assertThat(CallingError.of(138005).httpStatus()).isEqualTo(429);
        assertThat(CallingError.of(613).httpStatus()).isEqualTo(429);
        assertThat(CallingError.of(131055)).isEqualTo(CallingError.SIP_ENABLED);
        assertThat(CallingError.of(138011)).isEqualTo(CallingError.UNKNOWN); // undocumented: not named
    }
}
