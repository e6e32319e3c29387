package dev.callgate.call.store;

import dev.callgate.call.CallDirection;
import dev.callgate.call.CallOutcome;
import dev.callgate.call.CallSignal;
import dev.callgate.call.CallSnapshot;
import dev.callgate.call.CallState;
import dev.callgate.call.MetaCapture;
import dev.callgate.call.MetaEnd;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/**
 * A call as PostgreSQL holds it: the truth. Changed only through {@code call.flow.CallOrchestrator}, one transaction per
 * transition, guarded by the optimistic {@link #version}.
 */
@Entity
@Table(name = "calls")
public class Call extends PanacheEntityBase {

    @Id
    public UUID id;
    @Column(name = "call_reference")
    public String callRef;
    @Column(name = "whatsapp_call_id")
    public String whatsappCallId;
    @Column(name = "phone_number_id", nullable = false)
    public String phoneNumberId;
    /** The user's phone number, when Meta gives it (users with a username may hide it). */
    @Column(name = "user_wa_id")
    public String userWaId;
    /** The user's business-scoped user id (BSUID), when known. */
    @Column(name = "user_id")
    public String userId;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public CallDirection direction;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public CallState state;
    @Enumerated(EnumType.STRING)
    public CallOutcome outcome;
    @Column(name = "failure_reason")
    public String failureReason;
    @Column(name = "error_code")
    public Integer errorCode;
    @Column(name = "error_message")
    public String errorMessage;
    @Column(name = "media_owner")
    public String mediaOwner;
    /** The epoch of the media owner's process that holds (or is to create) the PeerConnection. */
    @Column(name = "media_epoch")
    public Long mediaEpoch;
    @Column(name = "biz_opaque_callback_data")
    public String bizOpaqueCallbackData;
    @Column(name = "local_sdp", columnDefinition = "text")
    public String localSdp;
    @Column(name = "answer_applied")
    public boolean answerApplied;
    @Column(name = "media_up")
    public boolean mediaUp;
    @Column(name = "picked_up")
    public boolean pickedUp;
    @Column(name = "accept_requested")
    public boolean acceptRequested;
    @Enumerated(EnumType.STRING)
    @Column(name = "pending_outcome")
    public CallOutcome pendingOutcome;
    @Column(name = "pending_reason")
    public String pendingReason;
    @Column(name = "duration_seconds")
    public Long durationSeconds;
    @Column(name = "media_tone_hz")
    public Double mediaToneHz;
    @Column(name = "media_prompt")
    public String mediaPrompt;
    /** The call's audio stream to an application, as validated JSON ({@code media.stream}), or null. */
    @Column(name = "media_stream", columnDefinition = "text")
    public String mediaStream;
    @Column(name = "media_record")
    public boolean mediaRecord;
    @Column(name = "recording_path")
    public String recordingPath;
    @Column(name = "deeplink_payload", columnDefinition = "text")
    public String deeplinkPayload;
    @Column(name = "cta_payload", columnDefinition = "text")
    public String ctaPayload;
    /** Meta's terminate webhook: {@code COMPLETED} or {@code FAILED} (spec §4.4), once it arrived. */
    @Column(name = "meta_status")
    public String metaStatus;
    /** Meta's {@code start_time}, {@code end_time} and {@code duration} (what Meta bills): only for picked-up calls. */
    @Column(name = "meta_start_time")
    public Instant metaStartTime;
    @Column(name = "meta_end_time")
    public Instant metaEndTime;
    @Column(name = "meta_duration_seconds")
    public Long metaDurationSeconds;
    /** Meta-native recording asked for on connect / accept ({@link MetaCapture}, Meta's JSON), or null. */
    @Column(name = "meta_recording")
    public String metaRecording;
    /** Meta-native transcription asked for on connect / accept ({@link MetaCapture}, Meta's JSON), or null. */
    @Column(name = "meta_transcription")
    public String metaTranscription;
    /** The media id of Meta's recording, once {@code call_recording_available} came. */
    @Column(name = "meta_recording_media_id")
    public String metaRecordingMediaId;
    /** The media id of Meta's transcript, once {@code call_transcription_available} came. */
    @Column(name = "meta_transcription_media_id")
    public String metaTranscriptionMediaId;
    /** What Meta answered to our terminate or reject ({@link MetaEnd}). */
    @Enumerated(EnumType.STRING)
    @Column(name = "meta_end", nullable = false)
    public MetaEnd metaEnd = MetaEnd.OPEN;
    /** Callgate asked Meta to end this call (terminate or reject): the ended event says whether Meta confirmed it. */
    @Column(name = "meta_end_requested", nullable = false)
    public boolean metaEndRequested;
    /**
     * The latest quality sample of the call's media as JSON text ({@code calls.quality}, jsonb), or null. Read-only
     * here: the media owner writes it apart from the transitions ({@code call.flow.QualityRecorder}), so a transition
     * never writes back an older sample nor conflicts with one.
     */
    @org.hibernate.annotations.Formula("cast(quality as text)")
    public String quality;
    /**
     * The call's trace (W3C traceparent of the message that created it: a command's, or the ingress's connect), or
     * null when tracing was off then; every transition of the call is a span under it ({@code tracing} package).
     */
    @Column(name = "trace_parent", columnDefinition = "text")
    public String traceParent;
    /**
     * Not stored: the traceparent of the transition being written, for the outbox rows and the effects it produces.
     */
    public transient String transitionTrace;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "ended_at")
    public Instant endedAt;
    @Version
    public long version;

    /** Keeps what Meta's terminate webhook said, beside Callgate's own times. */
    public void recordMetaTerminate(CallSignal.Terminated terminate) {
        metaStatus = terminate.failed() ? "FAILED" : "COMPLETED";
        metaStartTime = terminate.metaStartTime();
        metaEndTime = terminate.metaEndTime();
        metaDurationSeconds = terminate.durationSeconds();
    }

    /** The state machine's view of this call. */
    public CallSnapshot snapshot() {
        return new CallSnapshot(direction, state, whatsappCallId, localSdp, answerApplied, mediaUp, pickedUp,
                acceptRequested, pendingOutcome, pendingReason, outcome, failureReason, errorCode, errorMessage,
                durationSeconds, metaEnd, metaStatus == null ? null
                : new CallSnapshot.MetaTerminate("FAILED".equals(metaStatus), metaDurationSeconds));
    }

    /** Meta's side of the call is known to be over: our terminate or reject was confirmed, or its webhook came. */
    public boolean metaEndConfirmed() {
        return metaEnd.confirmed() || metaStatus != null;
    }

    /** Takes over what a transition decided. */
    public void apply(CallSnapshot next, Instant now) {
        if (next.pickedUp() && !pickedUp) {
            startedAt = now;
        }
        if (next.state() == CallState.ENDED && state != CallState.ENDED) {
            endedAt = now;
        }
        state = next.state();
        whatsappCallId = next.whatsappCallId();
        localSdp = next.localSdp();
        answerApplied = next.answerApplied();
        mediaUp = next.mediaUp();
        pickedUp = next.pickedUp();
        acceptRequested = next.acceptRequested();
        pendingOutcome = next.pendingOutcome();
        pendingReason = next.pendingReason();
        outcome = next.outcome();
        failureReason = next.failureReason();
        errorCode = next.errorCode();
        errorMessage = next.errorMessage();
        durationSeconds = next.durationSeconds();
        metaEnd = next.metaEnd();
        updatedAt = now;
    }

    /** A new call row, not yet persisted. */
    public static Call create(CallDirection direction, CallState state, String callRef, String phoneNumberId,
                       String userWaId, Instant now) {
        Call call = new Call();
        call.id = UUID.randomUUID();
        call.direction = direction;
        call.state = state;
        call.callRef = callRef;
        call.phoneNumberId = phoneNumberId;
        call.userWaId = userWaId;
        call.createdAt = now;
        call.updatedAt = now;
        return call;
    }

    /**
     * Why this call cannot be accepted or rejected now, or null when it can: only a user-initiated call that has not
     * ended is answered.
     */
    public String whyNotAnswerable() {
        if (direction != CallDirection.USER_INITIATED) {
            return "only a user-initiated call is accepted or rejected; this one was placed by the business";
        }
        if (state == CallState.ENDED || state == CallState.TERMINATING) {
            return "the call already ended (" + (outcome != null ? outcome : pendingOutcome) + ", "
                    + (failureReason != null ? failureReason : pendingReason) + ")";
        }
        return null;
    }

    /** The user as Callgate keys them (permissions, logs): the phone number when known, else the BSUID. */
    public String user() {
        return userWaId != null ? userWaId : userId;
    }

    /**
     * The traceparent what the transition being written produces (outbox rows, effects) goes under: the transition's
     * span, else the call's trace; null when neither was traced.
     */
    public String productsTrace() {
        return transitionTrace != null ? transitionTrace : traceParent;
    }

    /** The key media and logs know the call by (as the effects' call context has it). */
    public String mediaKey() {
        return callRef != null ? callRef : id.toString();
    }

    public static io.smallrye.mutiny.Uni<Call> findByRef(String callRef) {
        return find("callRef", callRef).firstResult();
    }

    public static io.smallrye.mutiny.Uni<Call> findByWhatsappId(String whatsappCallId) {
        return find("whatsappCallId", whatsappCallId).firstResult();
    }
}
