package dev.callgate.cloudapi;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A user's call permission towards a business number, as {@code GET call_permissions} reports it (spec §2.3).
 *
 * @param status    no_permission, temporary or permanent
 * @param expiresAt when a temporary permission lapses ({@code expiration_time} or {@code expiration})
 * @param actions   what the business may do now, with the limits that apply
 */
public record CallPermission(Status status, Optional<Instant> expiresAt, List<Action> actions) {

    public enum Status {
        NO_PERMISSION, TEMPORARY, PERMANENT;

        /** Lenient: any case, unknown values read as no permission. */
        static Status parse(String value) {
            if (value == null) {
                return NO_PERMISSION;
            }
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "temporary" -> TEMPORARY;
                case "permanent" -> PERMANENT;
                default -> NO_PERMISSION;
            };
        }
    }

    /** An action such as {@code send_call_permission_request} or {@code start_call}. */
    public record Action(String name, boolean canPerform, List<Limit> limits) {
    }

    /**
     * @param timePeriod     ISO-8601 duration such as PT24H or P7D
     * @param limitExpiresAt present only once the limit is reached
     */
    public record Limit(String timePeriod, int maxAllowed, int currentUsage, Optional<Instant> limitExpiresAt) {
    }

    public Optional<Action> action(String name) {
        return actions.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /** Whether a business-initiated call may be placed now. */
    public boolean canStartCall() {
        return status != Status.NO_PERMISSION && action("start_call").map(Action::canPerform).orElse(true);
    }
}
