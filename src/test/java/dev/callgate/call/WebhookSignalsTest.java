package dev.callgate.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.contract.WebhookRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Meta's terminate webhook read as Meta sends it (spec §4.4), in every shape its docs and samples show. */
class WebhookSignalsTest {

    private final ObjectMapper json = new ObjectMapper();

    private CallSignal.Terminated terminate(String item, String valueErrors) throws Exception {
        JsonNode node = json.readTree(item);
        JsonNode errors = valueErrors == null ? null : json.readTree(valueErrors);
        WebhookRecord record = new WebhookRecord(1, "d", WebhookRecord.Kind.CALL, node.path("id").asText(), "calls",
                "waba", "pnid", node.path("id").asText(), "terminate", null, Instant.now(), node, null, null, errors);
        return (CallSignal.Terminated) WebhookSignals.of(record).orElseThrow();
    }

    @Test
    void completedWithMetasTimesAsStringsAndDurationAsInteger() throws Exception {
        CallSignal.Terminated t = terminate("""
                {"id":"wacid.A+/=","event":"terminate","status":"COMPLETED","start_time":"1671644824",
                 "end_time":"1671644944","duration":120}""", null);
        assertThat(t.failed()).isFalse();
        assertThat(t.durationSeconds()).isEqualTo(120);
        assertThat(t.metaStartTime()).isEqualTo(Instant.ofEpochSecond(1671644824));
        assertThat(t.metaEndTime()).isEqualTo(Instant.ofEpochSecond(1671644944));
        assertThat(t.errorCode()).isNull();
    }

    @Test
    void statusIsReadInAnyCaseAndNumbersInEitherForm() throws Exception {
        CallSignal.Terminated failed = terminate("""
                {"id":"wacid.B","event":"terminate","status":"Failed"}""", null);
        assertThat(failed.failed()).isTrue();
        assertThat(failed.errorCode()).isNull();
        CallSignal.Terminated completed = terminate("""
                {"id":"wacid.B","event":"terminate","status":"Completed","start_time":1671644824,"duration":"7"}""",
                null);
        assertThat(completed.failed()).isFalse();
        assertThat(completed.durationSeconds()).isEqualTo(7);
        assertThat(completed.metaStartTime()).isEqualTo(Instant.ofEpochSecond(1671644824));
    }

    @Test
    void errorsAreFoundBesideTheCallAndInsideIt() throws Exception {
        CallSignal.Terminated valueLevel = terminate("""
                {"id":"wacid.C","event":"terminate","status":"FAILED"}""",
                "[{\"code\":138021,\"message\":\"Media receive timeout\"}]");
        assertThat(valueLevel.errorCode()).isEqualTo(138021);
        assertThat(valueLevel.errorMessage()).isEqualTo("Media receive timeout");
        CallSignal.Terminated itemLevel = terminate("""
                {"id":"wacid.C","event":"terminate","status":"FAILED",
                 "errors":[{"code":"138019","error_data":{"details":"setup failed on the client"}}]}""", null);
        assertThat(itemLevel.failed()).isTrue();
        assertThat(itemLevel.errorCode()).isEqualTo(138019);
        assertThat(itemLevel.errorMessage()).isEqualTo("setup failed on the client");
        // an error without a status still means failure
        assertThat(terminate("{\"id\":\"wacid.D\",\"event\":\"terminate\"}", "[{\"code\":138022}]").failed())
                .isTrue();
    }
}
