package dev.callgate.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.callgate.call.Call;

import java.time.Instant;

/** A call as the REST API shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallView(String callRef, String whatsappCallId, String direction, String phoneNumberId, String to,
                       String state, String outcome, String reason, Integer errorCode, String errorMessage,
                       Long durationSeconds, Instant createdAt, Instant startedAt, Instant endedAt, String recording) {

    static CallView of(Call call) {
        return new CallView(call.callRef, call.whatsappCallId, call.direction.name(), call.phoneNumberId,
                call.userWaId, call.state.name(), call.outcome == null ? null : call.outcome.name(),
                call.failureReason, call.errorCode, call.errorMessage, call.durationSeconds, call.createdAt,
                call.startedAt, call.endedAt, call.recordingPath);
    }
}
