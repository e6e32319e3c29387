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
     * @param nextPossibleAt when a request may be sent again (null: now), and {@code blockedBy} why not now:
     *                       {@code permanent_permission} (138017), {@code daily_limit} or {@code weekly_limit} (138009)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Requests(int sentLast24h, int maxPer24h, int sentLast7d, int maxPer7d, String blockedBy,
                           Instant nextPossibleAt) {
    }

    /**
     * @param unansweredInARow business-initiated calls not picked up since the last connected call or grant
     * @param warning          e.g. "2 unanswered in a row — 2 more revoke the permission"
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Calls(int connectedLast24h, int unansweredInARow, int nudgeAfter, int revokeAfter, String warning) {
    }
}
