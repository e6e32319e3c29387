package dev.callgate.permission;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * What Callgate knows of one user's call permission for one business number, and what it allows now.
 *
 * @param status     {@code no_permission}, {@code temporary}, {@code permanent}, or {@code unknown} (never seen)
 * @param source     where the state came from: {@code request_reply}, {@code business_profile}, {@code callback},
 *                   {@code unanswered_calls}, {@code cloud_api}, {@code call_refused} (138006), {@code expired}
 * @param fresh      whether the Cloud API confirmed it within the cache time (false: served from what we knew)
 * @param checkError why the Cloud API could not be asked, when it could not
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PermissionView(String phoneNumberId, String waId, String status, Instant expiresAt, String source,
                             Instant updatedAt, boolean fresh, String checkError, Requests requests, Calls calls) {

    /**
     * @param sentLast24h    requests Meta accepted in the last 24 h (a request that then failed to reach the user
     *                       counts as well: the spec does not say Meta leaves it out); {@code sentLast7d} likewise
     * @param nextPossibleAt when a request may be sent again (null: now), and {@code blockedBy} why not now:
     *                       {@code permanent_permission} (138017), {@code daily_limit} or {@code weekly_limit} (138009)
     * @param latest         the latest request, or null when none was made
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Requests(int sentLast24h, int maxPer24h, int sentLast7d, int maxPer7d, String blockedBy,
                           Instant nextPossibleAt, Request latest) {
    }

    /**
     * One permission request.
     *
     * @param status       {@code sending}, {@code sent} (Meta accepted it), {@code failed} (Meta refused it, or it
     *                     did not reach the user: then {@code deliveryFailed}), {@code refused} (here, by the limits)
     * @param deliveryFailed true when Meta accepted it but a status webhook said it failed to reach the user
     * @param errorCode    Meta's (or, refused here, the would-be) error code; {@code errorMessage} Meta's words
     * @param reason       what happened, in words
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Request(String commandId, String messageId, String mode, String status, boolean deliveryFailed,
                          Integer errorCode, String errorMessage, String reason, Instant requestedAt, Instant sentAt,
                          Instant failedAt) {
    }

    /**
     * @param unansweredInARow business-initiated calls not picked up since the last connected call or grant
     * @param warning          e.g. "2 unanswered in a row — 2 more revoke the permission"
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Calls(int connectedLast24h, int unansweredInARow, int nudgeAfter, int revokeAfter, String warning) {
    }
}
