package dev.callgate.cloudapi;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Callgate's own limit on call initiations per business number over a rolling window (default 10,000 per 24 h, Meta's
 * limit), enforced before a connect is sent and shared by every instance through PostgreSQL: a transaction-scoped
 * advisory lock per number serialises the count-and-insert. Every attempt that passes counts, whatever Meta answers.
 */
@ApplicationScoped
public class ConnectLimiter {

    private final int maxConnects;
    private final Duration window;

    public ConnectLimiter(CloudApiConfig config) {
        this.maxConnects = config.connectLimit().maxConnects();
        this.window = config.connectLimit().window();
    }

    /** Records one connect for the number, or fails with {@link ConnectLimitExceededException}. */
    public Uni<Void> reserve(String phoneNumberId) {
        double windowSeconds = window.toMillis() / 1000.0;
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session
                .createNativeQuery("select cast(pg_advisory_xact_lock(hashtext(?1)) as text)")
                .setParameter(1, "callgate:connect:" + phoneNumberId)
                .getSingleResult()
                .chain(locked -> session.createNativeQuery("""
                                delete from cloudapi_connect_attempts
                                 where phone_number_id = ?1 and attempted_at <= now() - make_interval(secs => ?2)""")
                        .setParameter(1, phoneNumberId).setParameter(2, windowSeconds).executeUpdate())
                .chain(deleted -> session.createNativeQuery("""
                                select count(*), min(attempted_at) from cloudapi_connect_attempts
                                 where phone_number_id = ?1""", Object[].class)
                        .setParameter(1, phoneNumberId).getSingleResult())
                .chain(row -> {
                    long used = ((Number) row[0]).longValue();
                    if (used >= maxConnects) {
                        Instant oldest = toInstant(row[1]);
                        return Uni.createFrom().failure(new ConnectLimitExceededException(phoneNumberId, maxConnects,
                                window, oldest.plus(window)));
                    }
                    return session.createNativeQuery(
                                    "insert into cloudapi_connect_attempts (phone_number_id) values (?1)")
                            .setParameter(1, phoneNumberId).executeUpdate().replaceWithVoid();
                })));
    }

    private static Instant toInstant(Object value) {
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof java.time.LocalDateTime ldt) {
            return ldt.toInstant(java.time.ZoneOffset.UTC);
        }
        if (value instanceof java.sql.Timestamp ts) {
            return ts.toInstant();
        }
        return Instant.now();
    }
}
