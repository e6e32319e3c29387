package dev.callgate.ingress;

import dev.callgate.contract.WebhookRecord;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.support.Webhooks;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The splitter alone: which items become records, their keys, and the determinism of the dedup id. */
class WebhookSplitterTest {

    private final WebhookSplitter splitter = new WebhookSplitter(new ObjectMapper().findAndRegisterModules());
    private final Instant now = Instant.parse("2026-11-26T10:00:00Z");

    private SplitWebhook split(String json) {
        return splitter.split(json.getBytes(StandardCharsets.UTF_8), now);
    }

    @Test
    void dedupIdIsTheSameForARedeliveryWithKeysInAnotherOrder() {
        String callId = Webhooks.newCallId();
        String item = "{\"id\":\"" + callId + "\",\"timestamp\":\"1767168005\",\"type\":\"call\",\"status\":\"RINGING\"}";
        String reordered = "{\"status\":\"RINGING\",\"type\":\"call\",\"timestamp\":\"1767168005\",\"id\":\"" + callId + "\"}";
        var first = split(Webhooks.envelope("calls", "\"statuses\":[" + item + "]")).records().get(0);
        var again = splitter.split(Webhooks.envelope("calls", "\"statuses\":[" + reordered + "]")
                .getBytes(StandardCharsets.UTF_8), now.plusSeconds(30)).records().get(0);
        assertThat(again.dedupId()).isEqualTo(first.dedupId());
        assertThat(again.receivedAt()).isNotEqualTo(first.receivedAt());
    }

    @Test
    void dedupIdDiffersWhenTheItemDiffers() {
        String callId = Webhooks.newCallId();
        var ringing = split(Webhooks.callStatus(callId, "491", "RINGING")).records().get(0);
        var accepted = split(Webhooks.callStatus(callId, "491", "ACCEPTED")).records().get(0);
        assertThat(ringing.dedupId()).isNotEqualTo(accepted.dedupId());
    }

    @Test
    void messageStatusesOnTheCallsFieldAreNotCallStatuses() {
        String callId = Webhooks.newCallId();
        SplitWebhook split = split(Webhooks.envelope("calls", """
                "statuses":[{"id":"%s","type":"call","status":"ACCEPTED","timestamp":"1"},
                            {"id":"wamid.X","status":"read","timestamp":"1"}]""".formatted(callId)));
        assertThat(split.records()).extracting(WebhookRecord::kind, WebhookRecord::event, WebhookRecord::key)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(WebhookRecord.Kind.CALL_STATUS, "ACCEPTED", callId));
        assertThat(split.ignoredItems()).isEqualTo(1);
        assertThat(split.itemsByField()).containsEntry("calls", 1);
    }

    @Test
    void ordinaryMessagesAreIgnoredAndPermissionRepliesKeyedByUser() {
        SplitWebhook split = split(Webhooks.envelope("messages", """
                "messages":[{"from":"4917","id":"wamid.A","timestamp":"1","type":"text","text":{"body":"hi"}},
                  {"from_user_id":"US.13491208655302741918","id":"wamid.B","timestamp":1767168000,"type":"interactive",
                   "interactive":{"type":"call_permission_reply","call_permission_reply":{"response":"reject",
                   "response_source":"automatic"}}}]"""));
        assertThat(split.records()).hasSize(1);
        WebhookRecord reply = split.records().get(0);
        assertThat(reply.key()).isEqualTo("perm:" + Webhooks.PHONE_NUMBER_ID + ":US.13491208655302741918");
        assertThat(reply.event()).isEqualTo("reject");
        assertThat(reply.occurredAt()).isEqualTo(Instant.ofEpochSecond(1767168000)); // number, not string
        assertThat(split.ignoredItems()).isEqualTo(1);
    }

    @Test
    void permissionReplyToACallCarriesTheCallId() {
        String callId = Webhooks.newCallId();
        SplitWebhook split = split(Webhooks.envelope("messages", """
                "messages":[{"from":"4917","id":"wamid.B","timestamp":"1","type":"interactive",
                  "context":{"from":"4917","id":"%s"},
                  "interactive":{"type":"call_permission_reply","call_permission_reply":{"response":"accept",
                  "is_permanent":false,"expiration_timestamp":1768550400,"response_source":"automatic"}}}]"""
                .formatted(callId)));
        assertThat(split.records().get(0).callId()).isEqualTo(callId);
    }

    @Test
    void aFailedMessageStatusIsKeyedByBusinessNumberAndRecipientAndKeepsItsErrors() {
        SplitWebhook split = split(Webhooks.envelope("messages", """
                "statuses":[{"id":"wamid.CPR1","status":"failed","timestamp":"1767168000","recipient_id":"4917",
                  "recipient_user_id":"US.1349","errors":[{"code":131026,"title":"Message undeliverable",
                  "message":"Message undeliverable","error_data":{"details":"old client"}}]}]"""));
        assertThat(split.records()).hasSize(1);
        WebhookRecord status = split.records().get(0);
        assertThat(status.kind()).isEqualTo(WebhookRecord.Kind.MESSAGE_STATUS);
        assertThat(status.key()).isEqualTo("perm:" + Webhooks.PHONE_NUMBER_ID + ":4917"); // as the user's replies
        assertThat(status.event()).isEqualTo("failed");
        assertThat(status.callId()).isNull();
        assertThat(status.field()).isEqualTo("messages");
        assertThat(status.occurredAt()).isEqualTo(Instant.ofEpochSecond(1767168000));
        assertThat(status.item().path("errors").path(0).path("code").asInt()).isEqualTo(131026);
        assertThat(status.item().path("errors").path(0).path("error_data").path("details").asText())
                .isEqualTo("old client");
        assertThat(split.ignoredItems()).isZero();
        assertThat(split.itemsByField()).containsEntry("messages", 1);
    }

    @Test
    void aFailedStatusOfAUserKnownOnlyByBsuidIsKeyedByTheBsuid() {
        SplitWebhook split = split(Webhooks.envelope("messages", """
                "statuses":[{"id":"wamid.CPR2","status":"FAILED","timestamp":"1","recipient_user_id":"US.1349",
                  "errors":[{"code":131047,"title":"Re-engagement message"}]}]"""));
        assertThat(split.records()).extracting(WebhookRecord::kind, WebhookRecord::key, WebhookRecord::event)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(WebhookRecord.Kind.MESSAGE_STATUS,
                        "perm:" + Webhooks.PHONE_NUMBER_ID + ":US.1349", "failed"));
    }

    @Test
    void otherMessageStatusesAndFailedOnesWithoutARecipientAreIgnoredAndCounted() {
        SplitWebhook split = split(Webhooks.envelope("messages", """
                "statuses":[{"id":"wamid.A","status":"sent","timestamp":"1","recipient_id":"4917"},
                            {"id":"wamid.A","status":"delivered","timestamp":"2","recipient_id":"4917"},
                            {"id":"wamid.A","status":"read","timestamp":"3","recipient_id":"4917"},
                            {"id":"wamid.B","status":"failed","timestamp":"3","errors":[{"code":131026}]}]"""));
        assertThat(split.records()).isEmpty();
        assertThat(split.ignoredItems()).isEqualTo(4);
    }

    @Test
    void aFailedMessageStatusOnTheCallsFieldIsNotAMessageStatusRecord() {
        SplitWebhook split = split(Webhooks.envelope("calls", """
                "statuses":[{"id":"wamid.A","status":"failed","timestamp":"1","recipient_id":"4917"}]"""));
        assertThat(split.records()).isEmpty();
        assertThat(split.ignoredItems()).isEqualTo(1);
    }

    @Test
    void aRedeliveredFailedStatusHasTheSameDedupIdAndAnotherStatusOfTheMessageAnother() {
        String failed = """
                "statuses":[{"id":"wamid.C","status":"failed","timestamp":"5","recipient_id":"4917",
                  "errors":[{"code":131026,"title":"t"}]}]""";
        String reordered = """
                "statuses":[{"errors":[{"title":"t","code":131026}],"recipient_id":"4917","timestamp":"5",
                  "status":"failed","id":"wamid.C"}]""";
        String later = """
                "statuses":[{"id":"wamid.C","status":"failed","timestamp":"6","recipient_id":"4917",
                  "errors":[{"code":131026,"title":"t"}]}]""";
        String first = split(Webhooks.envelope("messages", failed)).records().get(0).dedupId();
        assertThat(split(Webhooks.envelope("messages", reordered)).records().get(0).dedupId()).isEqualTo(first);
        assertThat(split(Webhooks.envelope("messages", later)).records().get(0).dedupId()).isNotEqualTo(first);
    }

    @Test
    void valueLevelErrorsTravelWithTheTerminate() {
        String callId = Webhooks.newCallId();
        SplitWebhook split = split(Webhooks.envelope("calls", """
                "calls":[{"id":"%s","event":"terminate","status":"Failed","timestamp":"1"}],
                "errors":[{"code":138021,"message":"Media receive timeout","error_data":{"details":"no RTP"}}]"""
                .formatted(callId)));
        assertThat(split.records().get(0).errors().get(0).get("code").asInt()).isEqualTo(138021);
    }

    @Test
    void otherObjectsAndFieldsAreAcknowledgedWithoutRecords() {
        assertThat(split("{\"object\":\"page\",\"entry\":[]}").records()).isEmpty();
        SplitWebhook account = split(Webhooks.envelope("account_update", "\"event\":\"VERIFIED_ACCOUNT\""));
        assertThat(account.records()).isEmpty();
        assertThat(account.itemsByField()).containsEntry("other", 0);
    }

    @Test
    void structuralErrorsAreMalformed() {
        assertThatThrownBy(() -> split("{")).isInstanceOf(MalformedWebhookException.class);
        assertThatThrownBy(() -> split(Webhooks.envelope("calls", "\"calls\":{}")))
                .hasMessageContaining("value.calls must be an array");
        assertThatThrownBy(() -> split(Webhooks.envelope("messages", """
                "messages":[{"id":"wamid.B","type":"interactive","interactive":{"type":"call_permission_reply"}}]""")))
                .hasMessageContaining("names no user");
    }
}
