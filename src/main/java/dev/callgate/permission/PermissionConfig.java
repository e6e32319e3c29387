package dev.callgate.permission;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Call permissions ({@code CALLGATE_PERMISSIONS_*}); the limits are Meta's production values (spec §2.2). */
@ConfigMapping(prefix = "callgate.permissions")
public interface PermissionConfig {

    /** A business-initiated call to a user known to have no permission ends PERMISSION_DENIED without Meta. */
    @WithDefault("true")
    boolean checkBeforeCall();

    /** Permission requests per user per 24 h. */
    @WithDefault("1")
    int requestsPerDay();

    /** Permission requests per user per 7 days. */
    @WithDefault("2")
    int requestsPerWeek();

    /** Unanswered or rejected calls in a row after which the user is nudged to reconsider. */
    @WithDefault("2")
    int nudgeAfterUnanswered();

    /** Unanswered or rejected calls in a row after which Meta revokes the permission. */
    @WithDefault("4")
    int revokeAfterUnanswered();

    /** How long a state read from {@code GET call_permissions} is served before it is read again. */
    @WithDefault("30s")
    Duration cacheTtl();

    /** How often expired temporary permissions are looked for (Meta sends no webhook when they lapse). */
    @WithDefault("10s")
    Duration expiryPollInterval();
}
