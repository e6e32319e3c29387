package dev.callgate.simulator;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What Meta keeps per (business number, user): the permission, the permission-request log, connected calls in the
 * last 24 h and the streak of unanswered business-initiated calls. Guarded by its number's lock.
 */
final class PermissionRecord {

    enum Status { NO_PERMISSION, TEMPORARY, PERMANENT }

    Status status;
    Instant expiresAt;
    /** Permission requests sent, oldest first, with their message ids. */
    final Deque<Instant> requestTimes = new ArrayDeque<>();
    String lastRequestMessageId;
    /** The message status webhooks of each permission request, by its message id, oldest request first. */
    final java.util.Map<String, java.util.List<WebhookDelivery.Record>> requestStatuses =
            new java.util.LinkedHashMap<>();
    /** Requests that failed to reach the user (scripted): the user cannot answer them. */
    final java.util.Set<String> undeliveredRequests = new java.util.HashSet<>();
    /** When each connected call happened, oldest first. */
    final Deque<Instant> connectedCalls = new ArrayDeque<>();
    int unansweredStreak;

    PermissionRecord(Status status, Instant expiresAt) {
        this.status = status;
        this.expiresAt = expiresAt;
    }

    Status effectiveStatus(Instant now) {
        if (status == Status.TEMPORARY && expiresAt != null && !now.isBefore(expiresAt)) {
            status = Status.NO_PERMISSION;
            expiresAt = null;
        }
        return status;
    }

    void grant(Status granted, Instant expires) {
        this.status = granted;
        this.expiresAt = granted == Status.TEMPORARY ? expires : null;
    }

    void revoke() {
        this.status = Status.NO_PERMISSION;
        this.expiresAt = null;
    }

    static int countSince(Deque<Instant> times, Instant since) {
        times.removeIf(t -> t.isBefore(since.minus(java.time.Duration.ofDays(7))));
        return (int) times.stream().filter(t -> !t.isBefore(since)).count();
    }
}
