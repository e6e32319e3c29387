package dev.callgate.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.callgate.call.store.Call;
import dev.callgate.media.MediaReport;

import java.time.Instant;

/**
 * A call as the REST API shows it; {@code media} while the instance that answers holds the call's PeerConnection;
 * {@code terminateConfirmed} once Callgate asked Meta to end the call (false while Meta has not confirmed it);
 * {@code quality}, the latest quality sample of its media, once one was taken (it stays after the call ended).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallView(String callRef, String whatsappCallId, String direction, String phoneNumberId, String to,
                       String userId, String state, String outcome, String reason, Integer errorCode, String errorMessage,
                       Long durationSeconds, Instant createdAt, Instant startedAt, Instant endedAt, String recording,
                       String mediaOwner, Boolean terminateConfirmed, Meta meta, Media media, Quality quality,
                       Stream stream) {

    /**
     * The call's audio stream to an application, as asked for (it runs while the call is active): the URL without its
     * query, protocol, format, onClose, and the names of its upgrade headers — never their values.
     */
    public record Stream(String url, String protocol, String format, String onClose, java.util.Set<String> headers) {

        static Stream of(Call call) {
            if (call.mediaStream == null) {
                return null;
            }
            try {
                dev.callgate.stream.StreamSpec spec = dev.callgate.stream.StreamSpec.read(JSON.readTree(call.mediaStream),
                        "stream");
                return new Stream(spec.safeUrl(), spec.protocol().name().toLowerCase(java.util.Locale.ROOT),
                        spec.format(), spec.onClose().name().toLowerCase(java.util.Locale.ROOT),
                        new java.util.TreeSet<>(spec.headers().keySet()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
                return null; // written by Callgate only, validated then
            }
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * The latest quality sample of the call's media (see docs/quality.md): estimated MOS (E-model, 1..4.5), fraction of
     * inbound audio packets lost, inbound jitter and round-trip time in ms, audio bitrates in kbit/s, the cumulative
     * packet counters, and when it was taken. A value the stats did not give (no RTT from a peer that sends no
     * receiver reports, no bitrate on the first sample) is null.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Quality(Double mos, Double packetLoss, Double jitterMs, Double rttMs, Double inboundKbps,
                          Double outboundKbps, Long packetsReceived, Long packetsLost, Long packetsSent,
                          Instant sampledAt) {

        static Quality of(Call call) {
            if (call.quality == null) {
                return null;
            }
            try {
                return JSON.readValue(call.quality, Quality.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return null; // not ours to fail a read over; the row is written by Callgate only
            }
        }
    }

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
                media == null ? null : Media.of(media), Quality.of(call), Stream.of(call));
    }
}
