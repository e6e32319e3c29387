package dev.callgate.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.callgate.call.store.Call;
import dev.callgate.media.MediaReport;

import java.time.Instant;

/**
 * A call as the REST API shows it; {@code media} while the instance that answers holds the call's PeerConnection;
 * {@code terminateConfirmed} once Callgate asked Meta to end the call (false while Meta has not confirmed it).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallView(String callRef, String whatsappCallId, String direction, String phoneNumberId, String to,
                       String userId, String state, String outcome, String reason, Integer errorCode, String errorMessage,
                       Long durationSeconds, Instant createdAt, Instant startedAt, Instant endedAt, String recording,
                       String mediaOwner, Boolean terminateConfirmed, Meta meta, Media media) {

    /** What Meta's terminate webhook said: its status, and for a picked-up call its times and billed duration. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Meta(String status, Instant startTime, Instant endTime, Long durationSeconds,
                       String recordingMediaId, String transcriptMediaId) {
    }

    /**
     * The live media of a call: the PeerConnection state, 10 ms frames sent, and what is heard from the other side
     * (frames, level of the last ~170 ms in dBFS, dominant frequency; 0 Hz for silence).
     */
    public record Media(String peerConnection, long framesSent, long framesReceived, double receivedLevelDbfs,
                        double receivedDominantHz) {

        static Media of(MediaReport report) {
            return new Media(report.state(), report.framesSent(), report.received().frames(),
                    report.received().levelDbfs(), report.received().dominantHz());
        }
    }

    static CallView of(Call call) {
        return of(call, null);
    }

    static CallView of(Call call, MediaReport media) {
        return new CallView(call.callRef, call.whatsappCallId, call.direction.name(), call.phoneNumberId,
                call.userWaId, call.userId, call.state.name(), call.outcome == null ? null : call.outcome.name(),
                call.failureReason, call.errorCode, call.errorMessage, call.durationSeconds, call.createdAt,
                call.startedAt, call.endedAt,
                call.recordingPath == null ? null : dev.callgate.call.flow.CallEventOutbox.recordingHref(call.callRef),
                call.mediaOwner, call.metaEndRequested ? call.metaEndConfirmed() : null,
                call.metaStatus == null && call.metaRecordingMediaId == null && call.metaTranscriptionMediaId == null
                        ? null : new Meta(call.metaStatus, call.metaStartTime, call.metaEndTime,
                        call.metaDurationSeconds, call.metaRecordingMediaId, call.metaTranscriptionMediaId),
                media == null ? null : Media.of(media));
    }
}
