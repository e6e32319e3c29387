package dev.callgate.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/** One call as the simulator (Meta's side) sees it. Guarded by its number's lock. */
final class SimulatedCall {

    enum Direction { BUSINESS_INITIATED, USER_INITIATED }

    /** Spec §8.2's states. */
    enum State { RINGING_USER, RINGING_BUSINESS, PREACCEPTED, ACTIVE, ENDED }

    final String id;
    final String phoneNumberId;
    final String userWaId;
    final Direction direction;
    final Instant createdAt = Instant.now();
    final UserScript script;
    State state;
    String offerSdp;
    String answerSdp;
    String preAcceptSdp;
    String bizOpaqueCallbackData;
    Instant ringingAt;
    Instant acceptedAt;
    Instant endedAt;
    String endReason;
    Integer errorCode;
    /** User-initiated: what the caller's entry point carried (a wa.me/call link, a voice-call button). */
    String deeplinkPayload;
    String ctaPayload;
    /** Meta-native recording / transcription asked for on connect or accept (their JSON), or null. */
    com.fasterxml.jackson.databind.JsonNode recording;
    com.fasterxml.jackson.databind.JsonNode transcription;
    /** The terminate webhook puts its errors inside the call item (Meta's field table) instead of beside it. */
    boolean errorsInItem;
    UserPhone phone;
    /** With the reorder chaos switch: the connect webhook, held until the terminate webhook has gone out. */
    WebhookDelivery.Record heldConnect;
    /** Pending timers (ring timeout, hang-up, …), cancelled when the call ends. */
    final List<ScheduledFuture<?>> timers = new ArrayList<>();
    /** Every webhook for this call, in the order it was queued. */
    final List<WebhookDelivery.Record> webhooks = new ArrayList<>();

    SimulatedCall(String id, String phoneNumberId, String userWaId, Direction direction, State state,
                  UserScript script) {
        this.id = id;
        this.phoneNumberId = phoneNumberId;
        this.userWaId = userWaId;
        this.direction = direction;
        this.state = state;
        this.script = script;
    }

    boolean live() {
        return state != State.ENDED;
    }

    boolean answered() {
        return acceptedAt != null;
    }

    /** The admin report: states, times, end reason, SDPs, the phone's audio and every webhook. Lock held. */
    Map<String, Object> report() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("id", id);
        report.put("phoneNumberId", phoneNumberId);
        report.put("user", userWaId);
        report.put("direction", direction.name());
        report.put("state", state.name().toLowerCase());
        report.put("createdAt", createdAt.toString());
        report.put("ringingAt", ringingAt == null ? null : ringingAt.toString());
        report.put("acceptedAt", acceptedAt == null ? null : acceptedAt.toString());
        report.put("endedAt", endedAt == null ? null : endedAt.toString());
        report.put("endReason", endReason);
        report.put("errorCode", errorCode);
        report.put("bizOpaqueCallbackData", bizOpaqueCallbackData);
        report.put("offerSdp", offerSdp);
        report.put("answerSdp", answerSdp);
        report.put("preAccepted", preAcceptSdp != null);
        report.put("recording", recording);
        report.put("transcription", transcription);
        report.put("phone", phone == null ? Map.of() : phone.report());
        report.put("webhooks", webhooks.stream().map(WebhookDelivery.Record::report).toList());
        return report;
    }
}
