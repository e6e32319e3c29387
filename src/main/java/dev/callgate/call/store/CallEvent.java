package dev.callgate.call.store;

import dev.callgate.contract.WebhookRecord;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.smallrye.mutiny.Uni;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.Instant;

/**
 * One webhook record as stored: a call event, call status or permission reply, recorded once per dedup id.
 * The full record is kept in the {@code payload} jsonb column (written by {@link #insertIfAbsent}, not mapped here);
 * a record that carried {@code \u0000} is stored there escaped ({@link NulCharacters}) and, as received, in
 * {@code original} ({@link #keepOriginal}).
 */
@Entity
@Table(name = "call_events")
public class CallEvent extends PanacheEntityBase {

    @Id
    public Long id;

    @Column(name = "dedup_id", nullable = false)
    public String dedupId;

    @Column(nullable = false)
    public String kind;

    public String event;

    @Column(name = "whatsapp_call_id")
    public String whatsappCallId;

    @Column(name = "phone_number_id")
    public String phoneNumberId;

    @Column(name = "waba_id")
    public String wabaId;

    @Column(name = "occurred_at")
    public Instant occurredAt;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;

    private static final String INSERT_IF_ABSENT = """
            insert into call_events (dedup_id, kind, event, whatsapp_call_id, phone_number_id, waba_id,
                                     occurred_at, received_at, payload)
            values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, cast(cast(?9 as text) as jsonb))
            on conflict (dedup_id) do nothing""";

    /**
     * Inserts the record unless one with its dedup id exists; must run inside a transaction.
     *
     * @return true if it was new, false if it was a redelivery
     */
    public static Uni<Boolean> insertIfAbsent(WebhookRecord record, String payloadJson) {
        return getSession().chain(session -> session.createNativeQuery(INSERT_IF_ABSENT)
                        .setParameter(1, record.dedupId())
                        .setParameter(2, record.kind().name())
                        .setParameter(3, record.event())
                        .setParameter(4, record.callId())
                        .setParameter(5, record.phoneNumberId())
                        .setParameter(6, record.wabaId())
                        .setParameter(7, utc(record.occurredAt()))
                        .setParameter(8, utc(record.receivedAt()))
                        .setParameter(9, payloadJson)
                        .executeUpdate())
                .map(inserted -> inserted == 1);
    }

    private static final String KEEP_ORIGINAL = """
            update call_events set original = cast(cast(?2 as text) as json)
            where dedup_id = ?1 and original is null""";

    /**
     * Keeps the record's text as received beside its escaped payload, in a transaction of its own, after
     * {@link #insertIfAbsent} committed. A crash in between leaves the record unacknowledged on Kafka: its redelivery
     * is a duplicate for {@link #insertIfAbsent} and lands here again (a no-op once {@code original} is set).
     */
    public static Uni<Void> keepOriginal(String dedupId, String originalJson) {
        return Panache.withTransaction(() -> getSession().chain(session -> session.createNativeQuery(KEEP_ORIGINAL)
                        .setParameter(1, dedupId)
                        .setParameter(2, originalJson)
                        .executeUpdate()))
                .replaceWithVoid();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
