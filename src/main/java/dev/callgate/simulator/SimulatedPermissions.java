package dev.callgate.simulator;

import dev.callgate.cloudapi.CallingError;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Users' call permissions per business number (spec §2): the record Meta keeps for each (number, user), {@code GET
 * call_permissions} with its actions and limits, grants and revocations, the user's replies to permission requests,
 * and what calls do to a permission (a connected call resets the request limits; unanswered calls revoke it).
 */
final class SimulatedPermissions {

    private static final Logger LOG = Logger.getLogger(SimulatedPermissions.class);
    static final Duration DAY = Duration.ofHours(24);
    static final Duration WEEK = Duration.ofDays(7);

    private final SimulatorConfig config;
    private final SimulatedNumbers numbers;
    private final Faults faults;
    private final MetaWebhooks webhooks;

    SimulatedPermissions(SimulatorConfig config, SimulatedNumbers numbers, Faults faults, MetaWebhooks webhooks) {
        this.config = config;
        this.numbers = numbers;
        this.faults = faults;
        this.webhooks = webhooks;
    }

    /** The record for (number, user), created with the default user's permission. Lock held. */
    PermissionRecord of(SimulatedNumber number, String user) {
        return number.permissions.computeIfAbsent(UserIds.normalise(user), u -> {
            PermissionRecord.Status status = switch (config.defaultUser().permission().toLowerCase()) {
                case "permanent" -> PermissionRecord.Status.PERMANENT;
                case "no_permission", "none" -> PermissionRecord.Status.NO_PERMISSION;
                default -> PermissionRecord.Status.TEMPORARY;
            };
            return new PermissionRecord(status, status == PermissionRecord.Status.TEMPORARY
                    ? Instant.now().plus(config.limits().temporaryPermission()) : null);
        });
    }

    /** {@code GET call_permissions}: the permission and the actions allowed now; 5 requests/s per number, then 613. */
    Map<String, Object> callPermissions(String phoneNumberId, String userWaId) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        if (userWaId == null || userWaId.isBlank()) {
            throw GraphError.invalidParameter("user_wa_id (or recipient) is required");
        }
        faults.before("call_permissions");
        Instant now = Instant.now();
        SimulatorConfig.Limits limits = config.limits();
        synchronized (number) {
            number.permissionFetches.removeIf(t -> t.isBefore(now.minusSeconds(1)));
            if (number.permissionFetches.size() >= limits.permissionFetchesPerSecond()) {
                throw new GraphError(CallingError.PERMISSION_FETCH_RATE_LIMIT,
                        "(#613) Calls to this api have exceeded the rate limit.", null);
            }
            number.permissionFetches.add(now);
            PermissionRecord permission = of(number, userWaId);
            PermissionRecord.Status status = permission.effectiveStatus(now);
            Map<String, Object> perm = new LinkedHashMap<>();
            perm.put("status", status.name().toLowerCase());
            if (status == PermissionRecord.Status.TEMPORARY && permission.expiresAt != null) {
                perm.put("expiration_time", permission.expiresAt.getEpochSecond());
            }
            int day = PermissionRecord.countSince(permission.requestTimes, now.minus(DAY));
            int week = PermissionRecord.countSince(permission.requestTimes, now.minus(WEEK));
            int connected = PermissionRecord.countSince(permission.connectedCalls, now.minus(DAY));
            boolean canRequest = status != PermissionRecord.Status.PERMANENT
                    && day < limits.permissionRequestsPerDay()
                    && week < limits.permissionRequestsPerWeek();
            List<Map<String, Object>> actions = new ArrayList<>();
            actions.add(Map.of("action_name", "send_call_permission_request", "can_perform_action", canRequest,
                    "limits", List.of(limit("PT24H", limits.permissionRequestsPerDay(), day,
                                    permission.requestTimes, DAY, now),
                            limit("P7D", limits.permissionRequestsPerWeek(), week,
                                    permission.requestTimes, WEEK, now))));
            actions.add(Map.of("action_name", "start_call",
                    "can_perform_action", status != PermissionRecord.Status.NO_PERMISSION
                            && connected < limits.connectedCallsPerDay(),
                    "limits", List.of(limit("PT24H", limits.connectedCallsPerDay(), connected,
                            permission.connectedCalls, DAY, now))));
            return Map.of("messaging_product", "whatsapp", "permission", perm, "actions", actions);
        }
    }

    /** One limit of an action; used up, {@code limit_expiration_time} says when the oldest use leaves the window. */
    private static Map<String, Object> limit(String period, int max, int used, Deque<Instant> times,
                                             Duration window, Instant now) {
        Map<String, Object> limit = new LinkedHashMap<>();
        limit.put("time_period", period);
        limit.put("max_allowed", max);
        limit.put("current_usage", used);
        if (used >= max) {
            times.stream().filter(t -> !t.isBefore(now.minus(window))).findFirst()
                    .ifPresent(oldest -> limit.put("limit_expiration_time", oldest.plus(window).getEpochSecond()));
        }
        return limit;
    }

    /** Admin: grant a permission (permanent = the user's grant from the business profile, which sends a webhook). */
    void grant(String phoneNumberId, String waId, boolean permanent) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        synchronized (number) {
            PermissionRecord permission = of(number, waId);
            permission.grant(permanent ? PermissionRecord.Status.PERMANENT : PermissionRecord.Status.TEMPORARY,
                    Instant.now().plus(config.limits().temporaryPermission()));
            permission.unansweredStreak = 0;
            if (permanent) {
                webhooks.permissionReply(number, UserIds.normalise(waId), "accept", true, null, "user_action", null);
            }
        }
    }

    /** Admin: the user revokes the permission (no webhook: whether Meta sends one is unconfirmed). */
    void revoke(String phoneNumberId, String waId) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        synchronized (number) {
            of(number, waId).revoke();
        }
    }

    /** The user answers the latest permission request (or a given one), by the admin API or their script. */
    void reply(String phoneNumberId, String waId, String response, boolean permanent, String messageId) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        synchronized (number) {
            PermissionRecord permission = of(number, waId);
            String context = messageId != null ? messageId : permission.lastRequestMessageId;
            if (context == null) {
                throw new IllegalStateException("user " + waId + " has no permission request to reply to");
            }
            if (permission.undeliveredRequests.contains(context)) {
                throw new IllegalStateException("permission request " + context + " never reached user " + waId);
            }
            if ("accept".equals(response)) {
                permission.grant(permanent ? PermissionRecord.Status.PERMANENT : PermissionRecord.Status.TEMPORARY,
                        Instant.now().plus(config.limits().temporaryPermission()));
                permission.unansweredStreak = 0;
            } else {
                permission.revoke();
            }
            webhooks.permissionReply(number, UserIds.normalise(waId), response, permanent,
                    "accept".equals(response) && !permanent ? permission.expiresAt : null, "user_action", context);
        }
    }

    /**
     * A permission request is about to be sent: 138017 if a permanent permission exists, 138009 past the daily or
     * weekly limit; else it is counted (even when it then fails to reach the user: whether Meta counts it is not
     * documented) and remembered as the one to answer, or as undelivered. Lock held.
     */
    void requestSent(SimulatedNumber number, String user, String messageId, boolean delivered) {
        Instant now = Instant.now();
        PermissionRecord permission = of(number, user);
        if (permission.effectiveStatus(now) == PermissionRecord.Status.PERMANENT) {
            throw new GraphError(CallingError.PERMANENT_PERMISSION_EXISTS,
                    "The user has already granted permanent call permission", null);
        }
        if (PermissionRecord.countSince(permission.requestTimes, now.minus(DAY))
                >= config.limits().permissionRequestsPerDay()
                || PermissionRecord.countSince(permission.requestTimes, now.minus(WEEK))
                >= config.limits().permissionRequestsPerWeek()) {
            throw new GraphError(CallingError.PERMISSION_REQUEST_LIMIT,
                    "Call permission request limit reached for this user", null);
        }
        permission.requestTimes.add(now);
        if (delivered) {
            permission.lastRequestMessageId = messageId;
        } else {
            permission.undeliveredRequests.add(messageId);
        }
    }

    /**
     * The business may call the user now: 138006 without a permission, 138012 past the connected calls per user per
     * 24 h (the next allowed time in the details). Lock held.
     */
    void checkMayCall(SimulatedNumber number, String user, Instant now) {
        PermissionRecord permission = of(number, user);
        if (permission.effectiveStatus(now) == PermissionRecord.Status.NO_PERMISSION) {
            throw new GraphError(CallingError.NO_CALL_PERMISSION,
                    "No approved call permission from the recipient", null);
        }
        int connected = PermissionRecord.countSince(permission.connectedCalls, now.minus(DAY));
        if (connected >= config.limits().connectedCallsPerDay()) {
            Instant next = permission.connectedCalls.stream().filter(t -> !t.isBefore(now.minus(DAY)))
                    .findFirst().orElse(now).plus(DAY);
            throw new GraphError(CallingError.CONNECTED_CALL_LIMIT,
                    "Business-initiated connected call limit reached for this user",
                    "You can call this user again at " + next.getEpochSecond() + " (" + next + ")");
        }
    }

    /** A call was picked up: it counts against the daily limit and resets the streak and request limits. Lock held. */
    void callConnected(SimulatedNumber number, SimulatedCall call) {
        PermissionRecord permission = of(number, call.userWaId);
        permission.connectedCalls.add(call.acceptedAt);
        permission.unansweredStreak = 0;
        permission.requestTimes.clear(); // a connected call resets the permission-request limits
    }

    /**
     * A business-initiated call went unanswered (or was rejected): after a streak WhatsApp nudges the user, and after
     * four the permission is revoked with an automatic {@code reject} reply. Lock held.
     */
    void callUnanswered(SimulatedNumber number, String user) {
        PermissionRecord permission = of(number, user);
        permission.unansweredStreak++;
        if (permission.unansweredStreak == config.limits().nudgeAfterUnanswered()) {
            LOG.infof("simulator: user %s: %d unanswered calls in a row, WhatsApp nudges them to reconsider", user,
                    permission.unansweredStreak);
        }
        if (permission.unansweredStreak >= config.limits().revokeAfterUnanswered()
                && permission.status != PermissionRecord.Status.NO_PERMISSION) {
            permission.revoke();
            LOG.infof("simulator: user %s: permission revoked automatically after %d unanswered calls", user,
                    permission.unansweredStreak);
            webhooks.permissionReply(number, user, "reject", false, null, "automatic", null);
        }
    }

    /**
     * The user calls a number whose callback permission is on: without a permission they get a temporary one, and
     * the automatic {@code accept} reply refers to the call. Lock held.
     */
    void userCalled(SimulatedNumber number, String user, String callId) {
        if (!number.grantsPermissionWhenUserCalls()) {
            return;
        }
        PermissionRecord permission = of(number, user);
        if (permission.effectiveStatus(Instant.now()) == PermissionRecord.Status.NO_PERMISSION) {
            permission.grant(PermissionRecord.Status.TEMPORARY,
                    Instant.now().plus(config.limits().temporaryPermission()));
            webhooks.permissionReply(number, user, "accept", false, permission.expiresAt, "automatic", callId);
        }
    }
}
