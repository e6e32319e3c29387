package dev.callgate.permission;

import dev.callgate.runtime.CallLog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.cloudapi.CallPermission;
import dev.callgate.cloudapi.CloudApiClient;
import dev.callgate.cloudapi.CloudApiException;
import dev.callgate.outbox.EventOutbox;
import dev.callgate.contract.WebhookRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;

/**
 * The call permission of each (business number, user): kept in {@code call_permissions}, fed by the
 * {@code call_permission_reply} webhooks (all six variants of spec §2.5), by {@code GET call_permissions} and by 138006
 * refusals; permission requests checked against spec §2.2's limits before Meta is asked; events on
 * {@code callgate.events} keyed {@code permission:<phoneNumberId>:<waId>}.
 */
@ApplicationScoped
public class Permissions {

    private static final Logger LOG = Logger.getLogger(Permissions.class);
    static final String EVENT = "dev.callgate.permission.";

    private final EventOutbox events;
    private final CloudApiClient cloudApi;
    private final PermissionConfig config;
    private final MeterRegistry registry;
    private final ObjectMapper mapper;

    private final dev.callgate.runtime.StoreRetry storeRetry;

    public Permissions(EventOutbox events, CloudApiClient cloudApi, PermissionConfig config, MeterRegistry registry,
                       ObjectMapper mapper, dev.callgate.runtime.StoreRetry storeRetry) {
        this.storeRetry = storeRetry;
        this.mapper = mapper;
        this.events = events;
        this.cloudApi = cloudApi;
        this.config = config;
        this.registry = registry;
    }

    /** The status and expiry we know, or null; inside the caller's session. */
    private static Uni<Object[]> row(String phoneNumberId, String waId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        select status, cast(extract(epoch from expires_at) * 1000 as bigint), source,
                               cast(extract(epoch from updated_at) * 1000 as bigint),
                               cast(extract(epoch from checked_at) * 1000 as bigint)
                        from call_permissions where phone_number_id = ?1 and user_wa_id = ?2""", Object[].class)
                .setParameter(1, phoneNumberId).setParameter(2, waId).getResultList())
                .map(rows -> rows.isEmpty() ? null : rows.get(0));
    }

    private static Instant instant(Object epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(((Number) epochMillis).longValue());
    }

    /**
     * Whether we know that the user has no permission (never granted, rejected, revoked or expired); an unknown user
     * is not denied — Meta decides. Inside the caller's session.
     */
    public Uni<Boolean> knownDenied(String phoneNumberId, String waId) {
        if (!config.checkBeforeCall()) {
            return Uni.createFrom().item(false);
        }
        return row(phoneNumberId, waId).map(row -> {
            if (row == null) {
                return false;
            }
            PermissionStatus status = PermissionStatus.of((String) row[0]);
            Instant expires = instant(row[1]);
            return status == PermissionStatus.NO_PERMISSION
                    || status == PermissionStatus.TEMPORARY && expires != null && !expires.isAfter(Instant.now());
        });
    }

    /** Meta refused a call with 138006: the user has no permission now. Inside the caller's transaction. */
    public Uni<Void> refusedByMeta(String phoneNumberId, String waId) {
        Instant now = Instant.now();
        return row(phoneNumberId, waId).chain(before -> store(phoneNumberId, waId, PermissionStatus.NO_PERMISSION,
                null, "call_refused", now, false).chain(changed -> {
            boolean wasGranted = before != null && !"no_permission".equals(before[0]);
            if (!changed || !wasGranted) {
                return Uni.createFrom().voidItem();
            }
            ObjectNode data = data(phoneNumberId, waId, PermissionStatus.NO_PERMISSION, null, "call_refused");
            data.put("errorCode", 138006);
            return publish(phoneNumberId, waId, "revoked", data, now);
        }));
    }

    /**
     * A {@code call_permission_reply} webhook record: updates the state unless a newer one is already known, and
     * publishes granted / rejected / revoked. Inside the caller's transaction (the webhook's dedup record commits
     * with it).
     */
    public Uni<Void> onReply(WebhookRecord record) {
        JsonNode item = record.item();
        // the user as the splitter keyed the record: the phone number, else (a user with a username) the BSUID
        String waId = userOf(record);
        if (waId == null || record.phoneNumberId() == null) {
            LOG.warnf("permission reply %s without a user or business number; ignored", record.dedupId());
            return Uni.createFrom().voidItem();
        }
        JsonNode reply = item.path("interactive").path("call_permission_reply");
        boolean accept = "accept".equalsIgnoreCase(reply.path("response").asText());
        boolean permanent = reply.path("is_permanent").asBoolean(false)
                || "true".equalsIgnoreCase(reply.path("is_permanent").asText());
        boolean automatic = "automatic".equalsIgnoreCase(reply.path("response_source").asText());
        String context = item.path("context").path("id").asText(null);
        Instant expires = epochSeconds(reply.get("expiration_timestamp"));
        PermissionStatus status;
        String source;
        String type;
        if (accept && permanent) {
            status = PermissionStatus.PERMANENT;
            source = context == null ? "business_profile" : "request_reply";
            type = "granted";
            expires = null;
        } else if (accept) {
            status = PermissionStatus.TEMPORARY;
            source = automatic ? "callback" : "request_reply";
            type = "granted";
        } else {
            status = PermissionStatus.NO_PERMISSION;
            source = automatic ? "unanswered_calls" : "request_reply";
            type = automatic ? "revoked" : "rejected";
            expires = null;
        }
        Instant asOf = record.occurredAt() != null ? record.occurredAt() : record.receivedAt();
        Instant expiresAt = expires;
        return store(record.phoneNumberId(), waId, status, expiresAt, source, asOf, status != PermissionStatus.NO_PERMISSION)
                .chain(changed -> {
                    registry.counter("callgate.permission.replies", "event", type, "source", source,
                            "result", changed ? "applied" : "stale").increment();
                    if (!changed) {
                        LOG.infof("permission %s/%s: %s reply of %s is older than what we know; kept the newer state",
                                record.phoneNumberId(), CallLog.user(waId), type, asOf);
                        return Uni.createFrom().voidItem();
                    }
                    LOG.infof("permission %s/%s: %s (%s%s)", record.phoneNumberId(), CallLog.user(waId),
                            status.wire(), source, expiresAt == null ? "" : ", until " + expiresAt);
                    ObjectNode data = data(record.phoneNumberId(), waId, status, expiresAt, source);
                    data.put("responseSource", automatic ? "automatic" : "user_action");
                    if (context != null && context.startsWith("wacid.")) {
                        data.put("callId", context);
                    } else if (context != null) {
                        data.put("requestMessageId", context);
                    }
                    return publish(record.phoneNumberId(), waId, type, data, Instant.now());
                });
    }

    /**
     * Writes the state as of {@code asOf} unless a newer state is stored; true when written. Webhook times have whole
     * seconds, so a stored state counts as newer only from the next second on.
     */
    /** The user a permission reply is about: {@code from}, else {@code from_user_id}, else the contact's ids. */
    static String userOf(WebhookRecord record) {
        JsonNode item = record.item();
        JsonNode contact = record.firstContact();
        return WebhookRecord.firstText(item.get("from"), item.get("from_user_id"),
                contact.get("wa_id"), contact.get("user_id"));
    }

    private static Uni<Boolean> store(String phoneNumberId, String waId, PermissionStatus status, Instant expiresAt,
                                      String source, Instant asOf, boolean granted) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into call_permissions (phone_number_id, user_wa_id, status, expires_at, source,
                                                      updated_at, granted_at)
                        values (?1, ?2, ?3, to_timestamp(cast(?4 as bigint) / 1000.0), ?5,
                                to_timestamp(cast(?6 as bigint) / 1000.0),
                                case when ?7 then to_timestamp(cast(?6 as bigint) / 1000.0) end)
                        on conflict (phone_number_id, user_wa_id) do update set status = excluded.status,
                            expires_at = excluded.expires_at, source = excluded.source,
                            updated_at = excluded.updated_at,
                            granted_at = coalesce(excluded.granted_at, call_permissions.granted_at)
                        where date_trunc('second', call_permissions.updated_at) <= excluded.updated_at""")
                .setParameter(1, phoneNumberId).setParameter(2, waId).setParameter(3, status.wire())
                .setParameter(4, expiresAt == null ? null : expiresAt.toEpochMilli()).setParameter(5, source)
                .setParameter(6, asOf.toEpochMilli()).setParameter(7, granted).executeUpdate())
                .map(n -> n == 1);
    }

    private ObjectNode data(String phoneNumberId, String waId, PermissionStatus status, Instant expiresAt,
                            String source) {
        ObjectNode data = events.data();
        data.put("phoneNumberId", phoneNumberId);
        data.put("waId", waId);
        data.put("status", status.wire());
        data.put("permanent", status == PermissionStatus.PERMANENT);
        if (expiresAt != null) {
            data.put("expiresAt", expiresAt.toString());
        }
        data.put("source", source);
        return data;
    }

    private Uni<Void> publish(String phoneNumberId, String waId, String type, ObjectNode data, Instant now) {
        return events.add(key(phoneNumberId, waId), EVENT + type, data, now);
    }

    static String key(String phoneNumberId, String waId) {
        return "permission:" + phoneNumberId + ":" + waId;
    }

    // ---- expiry ----------------------------------------------------------------------------------------------------

    /** Temporary permissions that lapsed become no_permission, each with an {@code expired} event; returns how many. */
    public Uni<Integer> expire() {
        Instant now = Instant.now();
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        update call_permissions set status = 'no_permission', source = 'expired', updated_at = now()
                        where status = 'temporary' and expires_at <= now()
                        returning phone_number_id, user_wa_id, cast(extract(epoch from expires_at) * 1000 as bigint)""",
                        Object[].class).getResultList())
                .chain(rows -> {
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (Object[] row : rows) {
                        String pnid = (String) row[0];
                        String waId = (String) row[1];
                        ObjectNode data = data(pnid, waId, PermissionStatus.NO_PERMISSION, null, "expired");
                        data.put("expiredAt", instant(row[2]).toString());
                        LOG.infof("permission %s/%s: the temporary permission expired", pnid, CallLog.user(waId));
                        all = all.chain(() -> publish(pnid, waId, "expired", data, now));
                    }
                    return all.replaceWith(rows.size());
                }));
    }

    // ---- requests --------------------------------------------------------------------------------------------------

    /** What became of a permission request. */
    public record RequestOutcome(String result, Integer errorCode, String reason, String messageId,
                                 Instant nextPossibleAt) {
        public static final String SENT = "sent";
        public static final String REFUSED = "refused";
        public static final String FAILED = "failed";
        public static final String DUPLICATE = "duplicate";
    }

    /** The counts behind spec §2.2's request limits, from the requests sent since the last connected call. */
    private record Usage(int day, int week, Instant oldestInDay, Instant oldestInWeek) {
    }

    private Uni<Usage> usage(String phoneNumberId, String waId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        with connected as (
                            select max(started_at) at from calls
                            where phone_number_id = ?1 and user_wa_id = ?2 and picked_up)
                        select count(*) filter (where sent_at > now() - interval '24 hours'),
                               count(*) filter (where sent_at > now() - interval '7 days'),
                               cast(extract(epoch from min(sent_at) filter (where sent_at > now() - interval '24 hours'))
                                    * 1000 as bigint),
                               cast(extract(epoch from min(sent_at) filter (where sent_at > now() - interval '7 days'))
                                    * 1000 as bigint)
                        from permission_requests, connected
                        where phone_number_id = ?1 and user_wa_id = ?2 and status = 'sent'
                          and sent_at > coalesce(connected.at, 'epoch')""", Object[].class)
                .setParameter(1, phoneNumberId).setParameter(2, waId).getSingleResult())
                .map(r -> new Usage(((Number) r[0]).intValue(), ((Number) r[1]).intValue(), instant(r[2]),
                        instant(r[3])));
    }

    /** What stops a request now: {@code blockedBy} as the view names it, the code Meta would give, when it lifts. */
    private record Block(String blockedBy, int code, Instant until) {
    }

    /** The block on a request now (138017 / 138009), or null when one may be sent. */
    private Block block(Object[] state, Usage usage) {
        if (state != null && "permanent".equals(state[0])) {
            return new Block("permanent_permission", 138017, null);
        }
        Block block = null;
        if (usage.day() >= config.requestsPerDay()) {
            block = new Block("daily_limit", 138009, usage.oldestInDay().plus(Duration.ofHours(24)));
        }
        if (usage.week() >= config.requestsPerWeek()) {
            Instant weekly = usage.oldestInWeek().plus(Duration.ofDays(7));
            if (block == null || weekly.isAfter(block.until())) {
                block = new Block("weekly_limit", 138009, weekly);
            }
        }
        return block;
    }

    /** Why a request would be refused now (138017 / 138009), or null when it may be sent. */
    private RequestOutcome localRefusal(Object[] state, Usage usage) {
        Block block = block(state, usage);
        if (block == null) {
            return null;
        }
        if (block.code() == 138017) {
            return new RequestOutcome(RequestOutcome.REFUSED, 138017,
                    "the user already granted a permanent permission; requests are not allowed", null, null);
        }
        return new RequestOutcome(RequestOutcome.REFUSED, 138009, "the "
                + block.blockedBy().replace("_limit", "") + " limit of permission requests is used ("
                + config.requestsPerDay() + " per 24 h, " + config.requestsPerWeek()
                + " per 7 days, reset by a connected call); possible again at " + block.until(), null, block.until());
    }

    /**
     * Sends a call permission request unless what we know says Meta would refuse it (138017, 138009): then it is
     * refused here and Meta is not asked. A repeated commandId is a no-op. Events: {@code requested} or
     * {@code request_refused} (with the code and, for 138009, when it becomes possible).
     */
    public Uni<RequestOutcome> request(PermissionRequest request) {
        String pnid = request.phoneNumberId();
        String waId = request.to();
        Uni<RequestOutcome> decided = Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into permission_requests (command_id, phone_number_id, user_wa_id, mode, status)
                        values (?1, ?2, ?3, ?4, 'sending') on conflict (command_id) do nothing""")
                .setParameter(1, request.commandId()).setParameter(2, pnid).setParameter(3, waId)
                .setParameter(4, request.mode()).executeUpdate())
                .chain(inserted -> inserted == 0
                        ? Uni.createFrom().item(new RequestOutcome(RequestOutcome.DUPLICATE, null,
                        "commandId " + request.commandId() + " was handled before", null, null))
                        : row(pnid, waId).chain(state -> usage(pnid, waId).chain(usage -> {
                    RequestOutcome refusal = localRefusal(state, usage);
                    return refusal == null ? Uni.createFrom().item((RequestOutcome) null)
                            : finish(request, refusal).replaceWith(refusal);
                }))));
        // once Meta was asked, its answer is stored whatever it takes: a failure here would leave the row 'sending'
        // and a retry of the command would find the commandId taken
        return decided.chain(outcome -> outcome != null ? Uni.createFrom().item(outcome) : send(request)
                .chain(sent -> storeRetry.<Void>untilStored("permissions", waId,
                        "permission request " + request.commandId(),
                        () -> Panache.withTransaction(() -> finish(request, sent))).replaceWith(sent)))
                .invoke(outcome -> {
                    registry.counter("callgate.permission.requests", "result", outcome.result(),
                            "code", outcome.errorCode() == null ? "none" : outcome.errorCode().toString()).increment();
                    LOG.infof("permission %s/%s: request %s %s%s", pnid, CallLog.user(waId), request.commandId(),
                            outcome.result(), outcome.reason() == null ? "" : " — " + outcome.reason());
                });
    }

    private Uni<RequestOutcome> send(PermissionRequest request) {
        Uni<dev.callgate.cloudapi.SentMessage> sent;
        if (request.template()) {
            com.fasterxml.jackson.databind.node.ArrayNode components = null;
            if (request.templateParameters() != null && !request.templateParameters().isEmpty()) {
                components = events.data().arrayNode();
                ObjectNode body = components.addObject().put("type", "body");
                var parameters = body.putArray("parameters");
                request.templateParameters().forEach(p -> parameters.addObject().put("type", "text").put("text", p));
            }
            sent = cloudApi.sendTemplate(request.phoneNumberId(), request.to(), request.templateName(),
                    request.templateLanguage(), components);
        } else {
            sent = cloudApi.sendPermissionRequest(request.phoneNumberId(), request.to(), request.bodyText());
        }
        return sent.map(message -> new RequestOutcome(RequestOutcome.SENT, null, null, message.messageId(), null))
                .onFailure().recoverWithItem(failure -> failure instanceof CloudApiException graph
                        ? new RequestOutcome(RequestOutcome.FAILED, graph.code(), graph.getMessage(), null,
                        graph.nextAllowedAt().orElse(null))
                        : new RequestOutcome(RequestOutcome.FAILED, null, "Cloud API unreachable: "
                        + failure.getMessage(), null, null));
    }

    /** Records the outcome on the request row, publishes its event and, for 138017 from Meta, the state it implies. */
    private Uni<Void> finish(PermissionRequest request, RequestOutcome outcome) {
        Instant now = Instant.now();
        String pnid = request.phoneNumberId();
        String waId = request.to();
        Uni<Void> row = Panache.getSession().chain(s -> s.createNativeQuery("""
                        update permission_requests set status = ?2, message_id = ?3, error_code = ?4,
                            error_message = ?5, sent_at = case when ?2 = 'sent' then now() end
                        where command_id = ?1""")
                .setParameter(1, request.commandId()).setParameter(2, outcome.result())
                .setParameter(3, outcome.messageId()).setParameter(4, outcome.errorCode())
                .setParameter(5, outcome.reason()).executeUpdate()).replaceWithVoid();
        ObjectNode data = events.data();
        data.put("phoneNumberId", pnid);
        data.put("waId", waId);
        data.put("commandId", request.commandId());
        data.put("mode", request.mode());
        if (RequestOutcome.SENT.equals(outcome.result())) {
            data.put("messageId", outcome.messageId());
            return row.chain(() -> publish(pnid, waId, "requested", data, now))
                    .chain(() -> outcome.messageId() == null ? Uni.createFrom().voidItem()
                            : failedBeforeSent(pnid, outcome.messageId()));
        }
        data.put("result", outcome.result());
        if (outcome.errorCode() != null) {
            data.put("errorCode", outcome.errorCode());
        }
        data.put("reason", outcome.reason());
        if (outcome.nextPossibleAt() != null) {
            data.put("nextPossibleAt", outcome.nextPossibleAt().toString());
        }
        Uni<Void> implied = outcome.errorCode() != null && outcome.errorCode() == 138017
                && RequestOutcome.FAILED.equals(outcome.result())
                ? store(pnid, waId, PermissionStatus.PERMANENT, null, "cloud_api", now, true).replaceWithVoid()
                : Uni.createFrom().voidItem();
        return row.chain(() -> implied).chain(() -> publish(pnid, waId, "request_refused", data, now));
    }

    // ---- what became of a sent request -----------------------------------------------------------------------------

    /**
     * A message status record ({@code failed}; the ingress passes on no other): when its message is a permission
     * request that was sent, has not failed before and was not answered by the user, marks it failed with Meta's error
     * and publishes {@code request_failed}. A status of any other message is not ours and changes nothing. The request
     * still counts against the request limits (see V11). Inside the caller's transaction.
     */
    public Uni<Void> onMessageStatus(WebhookRecord record) {
        JsonNode item = record.item();
        String messageId = item == null ? null : item.path("id").asText(null);
        if (messageId == null || record.phoneNumberId() == null || !"failed".equalsIgnoreCase(record.event())) {
            return Uni.createFrom().voidItem();
        }
        return lockMessage(messageId).chain(() -> failed(record.phoneNumberId(), messageId, item, record.errors(),
                record.occurredAt() != null ? record.occurredAt() : record.receivedAt()));
    }

    /**
     * Meta may send the failed status before its answer to the send reached us (the request has no message id yet):
     * the status is then in {@code call_events} only, and is applied here once the message id is recorded. Both paths
     * take the message's lock, so one of them sees the other's commit. Inside the caller's transaction.
     */
    private Uni<Void> failedBeforeSent(String phoneNumberId, String messageId) {
        return lockMessage(messageId).chain(() -> Panache.getSession().chain(s -> s.createNativeQuery("""
                        select cast(payload as text) from call_events
                        where kind = 'MESSAGE_STATUS' and phone_number_id = ?1 and payload -> 'item' ->> 'id' = ?2
                        order by id limit 1""", String.class)
                .setParameter(1, phoneNumberId).setParameter(2, messageId).getResultList()))
                .chain(rows -> {
                    if (rows.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    WebhookRecord record;
                    try {
                        record = mapper.readValue(rows.get(0), WebhookRecord.class);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        return Uni.createFrom().failure(e); // we wrote it: unreadable is a bug, not a failed send
                    }
                    LOG.infof("permission %s: request %s failed before Meta's answer to the send arrived",
                            phoneNumberId, messageId);
                    return failed(phoneNumberId, messageId, record.item(), record.errors(),
                            record.occurredAt() != null ? record.occurredAt() : record.receivedAt());
                });
    }

    private static Uni<Void> lockMessage(String messageId) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "select cast(pg_advisory_xact_lock(hashtext(?1)) as text)")
                .setParameter(1, "callgate:message:" + messageId).getSingleResult()).replaceWithVoid();
    }

    private Uni<Void> failed(String phoneNumberId, String messageId, JsonNode item, JsonNode valueErrors, Instant at) {
        DeliveryFailure failure = DeliveryFailure.of(item, valueErrors);
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        select r.command_id, r.user_wa_id, r.mode, r.delivery_status,
                               exists (select 1 from call_events e where e.kind = 'PERMISSION_REPLY'
                                           and e.payload -> 'item' -> 'context' ->> 'id' = r.message_id)
                        from permission_requests r
                        where r.message_id = ?1 and r.phone_number_id = ?2 and r.status = 'sent'
                        for update""", Object[].class)
                .setParameter(1, messageId).setParameter(2, phoneNumberId).getResultList())
                .chain(rows -> {
                    if (rows.isEmpty()) {
                        countStatus("not_a_request", failure);
                        LOG.debugf("message %s failed (%s); not a permission request", messageId, failure.code());
                        return Uni.createFrom().voidItem();
                    }
                    Object[] row = rows.get(0);
                    String commandId = (String) row[0];
                    String waId = (String) row[1];
                    if (row[3] != null || Boolean.TRUE.equals(row[4])) {
                        countStatus(row[3] != null ? "already_failed" : "answered", failure);
                        LOG.infof("permission %s/%s: failed status of request %s ignored: it %s", phoneNumberId,
                                CallLog.user(waId), commandId,
                                row[3] != null ? "failed before" : "was answered by the user");
                        return Uni.createFrom().voidItem();
                    }
                    countStatus("failed", failure);
                    LOG.infof("permission %s/%s: request %s (%s) failed at WhatsApp: %s — %s", phoneNumberId,
                            CallLog.user(waId), commandId, messageId, failure.code(), failure.reason());
                    ObjectNode data = events.data();
                    data.put("phoneNumberId", phoneNumberId);
                    data.put("waId", waId);
                    String userId = item.path("recipient_user_id").asText(null);
                    if (userId != null && !userId.equals(waId)) {
                        data.put("userId", userId);
                    }
                    data.put("messageId", messageId);
                    data.put("commandId", commandId);
                    data.put("mode", (String) row[2]);
                    data.put("result", RequestOutcome.FAILED);
                    if (failure.code() != null) {
                        data.put("errorCode", failure.code());
                    }
                    if (failure.errorMessage() != null) {
                        data.put("errorMessage", failure.errorMessage());
                    }
                    if (failure.details() != null) {
                        data.put("errorDetails", failure.details());
                    }
                    data.put("reason", failure.reason());
                    data.put("failedAt", at.toString());
                    return Panache.getSession().chain(s -> s.createNativeQuery("""
                                    update permission_requests set delivery_status = 'failed',
                                        delivery_error_code = ?2, delivery_error_message = ?3,
                                        delivery_status_at = to_timestamp(cast(?4 as bigint) / 1000.0)
                                    where command_id = ?1 and delivery_status is null""")
                            .setParameter(1, commandId).setParameter(2, failure.code())
                            .setParameter(3, failure.errorMessage()).setParameter(4, at.toEpochMilli())
                            .executeUpdate())
                            .chain(() -> publish(phoneNumberId, waId, "request_failed", data, Instant.now()));
                });
    }

    private void countStatus(String result, DeliveryFailure failure) {
        registry.counter("callgate.permission.request_statuses", "status", "failed", "result", result,
                "code", failure.code() == null ? "none" : failure.code().toString()).increment();
    }

    // ---- the view --------------------------------------------------------------------------------------------------

    /**
     * The state with its limits and counts; read again from {@code GET call_permissions} when older than the cache
     * time (a failure there — 613 rate limit, say — serves what we knew, marked not fresh).
     */
    public Uni<PermissionView> view(String phoneNumberId, String waId) {
        return Panache.withSession(() -> row(phoneNumberId, waId)).chain(state -> {
            Instant checked = state == null ? null : instant(state[4]);
            boolean stale = checked == null || checked.isBefore(Instant.now().minus(config.cacheTtl()));
            if (!stale) {
                return Panache.withSession(() -> render(phoneNumberId, waId, state, true, null));
            }
            return cloudApi.callPermission(phoneNumberId, waId)
                    .chain(permission -> Panache.withTransaction(() -> fromCloudApi(phoneNumberId, waId, permission)))
                    .chain(() -> render(phoneNumberId, waId, true, null))
                    .onFailure().recoverWithUni(failure -> render(phoneNumberId, waId, false,
                            failure.getMessage()));
        });
    }

    private Uni<Void> fromCloudApi(String phoneNumberId, String waId, CallPermission permission) {
        Instant now = Instant.now();
        PermissionStatus status = PermissionStatus.valueOf(permission.status().name());
        return store(phoneNumberId, waId, status, permission.expiresAt().orElse(null), "cloud_api", now, false)
                .chain(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                                "update call_permissions set checked_at = now() where phone_number_id = ?1 and user_wa_id = ?2")
                        .setParameter(1, phoneNumberId).setParameter(2, waId).executeUpdate()))
                .replaceWithVoid();
    }

    private Uni<PermissionView> render(String phoneNumberId, String waId, boolean fresh, String checkError) {
        return Panache.withSession(() -> row(phoneNumberId, waId)
                .chain(state -> render(phoneNumberId, waId, state, fresh, checkError)));
    }

    /** The view of a state already read; inside the caller's session. */
    private Uni<PermissionView> render(String phoneNumberId, String waId, Object[] state, boolean fresh,
                                       String checkError) {
        return usage(phoneNumberId, waId).chain(usage -> latestRequest(phoneNumberId, waId).chain(latest ->
                calls(phoneNumberId, waId).map(calls -> {
            Block block = block(state, usage);
            PermissionView.Requests requests = new PermissionView.Requests(usage.day(), config.requestsPerDay(),
                    usage.week(), config.requestsPerWeek(), block == null ? null : block.blockedBy(),
                    block == null ? null : block.until(), latest);
            return new PermissionView(phoneNumberId, waId, state == null ? "unknown" : (String) state[0],
                    state == null ? null : instant(state[1]), state == null ? null : (String) state[2],
                    state == null ? null : instant(state[3]), fresh && state != null, checkError, requests, calls);
        })));
    }

    /** The user's latest permission request, or null; inside the caller's session. */
    private static Uni<PermissionView.Request> latestRequest(String phoneNumberId, String waId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        select command_id, message_id, mode, status, delivery_status,
                               coalesce(delivery_error_code, error_code), coalesce(delivery_error_message, error_message),
                               error_message,
                               cast(extract(epoch from requested_at) * 1000 as bigint),
                               cast(extract(epoch from sent_at) * 1000 as bigint),
                               cast(extract(epoch from delivery_status_at) * 1000 as bigint)
                        from permission_requests where phone_number_id = ?1 and user_wa_id = ?2
                        order by requested_at desc, id desc limit 1""", Object[].class)
                .setParameter(1, phoneNumberId).setParameter(2, waId).getResultList())
                .map(rows -> {
                    if (rows.isEmpty()) {
                        return null;
                    }
                    Object[] r = rows.get(0);
                    boolean deliveryFailed = "failed".equals(r[4]);
                    Integer code = r[5] == null ? null : ((Number) r[5]).intValue();
                    String reason = deliveryFailed
                            ? new DeliveryFailure(code, null, (String) r[6], null).reason() : (String) r[7];
                    return new PermissionView.Request((String) r[0], (String) r[1], (String) r[2],
                            deliveryFailed ? RequestOutcome.FAILED : (String) r[3], deliveryFailed, code,
                            deliveryFailed ? (String) r[6] : null, reason, instant(r[8]), instant(r[9]),
                            instant(r[10]));
                });
    }

    private Uni<PermissionView.Calls> calls(String phoneNumberId, String waId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        with last_connected as (
                            select max(created_at) at from calls
                            where phone_number_id = ?1 and user_wa_id = ?2 and picked_up),
                        granted as (
                            select granted_at at from call_permissions
                            where phone_number_id = ?1 and user_wa_id = ?2)
                        select (select count(*) from calls where phone_number_id = ?1 and user_wa_id = ?2
                                    and picked_up and started_at > now() - interval '24 hours'),
                               (select count(*) from calls c where c.phone_number_id = ?1 and c.user_wa_id = ?2
                                    and c.direction = 'BUSINESS_INITIATED' and c.state = 'ENDED' and not c.picked_up
                                    and c.outcome in ('NO_ANSWER', 'REJECTED', 'CANCELLED')
                                    and c.created_at > coalesce((select at from last_connected), 'epoch')
                                    and c.created_at > coalesce((select at from granted), 'epoch'))""",
                        Object[].class)
                .setParameter(1, phoneNumberId).setParameter(2, waId).getSingleResult())
                .map(r -> {
                    int connected = ((Number) r[0]).intValue();
                    int streak = ((Number) r[1]).intValue();
                    String warning = null;
                    if (streak >= config.nudgeAfterUnanswered() && streak < config.revokeAfterUnanswered()) {
                        int left = config.revokeAfterUnanswered() - streak;
                        warning = streak + " unanswered in a row — the next " + left + " unanswered revoke"
                                + (left == 1 ? "s" : "") + " the permission";
                    } else if (streak >= config.revokeAfterUnanswered()) {
                        warning = streak + " unanswered in a row — Meta revokes the permission after "
                                + config.revokeAfterUnanswered();
                    }
                    return new PermissionView.Calls(connected, streak, config.nudgeAfterUnanswered(),
                            config.revokeAfterUnanswered(), warning);
                });
    }

    private static Instant epochSeconds(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return Instant.ofEpochSecond(node.isNumber() ? node.asLong() : Long.parseLong(node.asText().trim()));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return null; // unreadable or out of range: as if absent
        }
    }
}
