package dev.callgate.runtime;

import io.vertx.pgclient.PgException;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells a database failure that will happen again whatever the retry — the data itself is refused (SQLSTATE class 22
 * "data exception": a value longer than its column, {@code \u0000} in a jsonb string, a number out of range; class
 * 42: a statement PostgreSQL cannot run) — from one that may pass later (the connection, a timeout, a conflict). A
 * deterministic failure goes to the DLQ at once with its reason instead of holding back the later records of its call.
 */
public final class StoreFailures {

    private StoreFailures() {
    }

    /** The SQLSTATE of a deterministic failure anywhere in the causes, or empty when a retry may succeed. */
    public static Optional<String> deterministic(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String state = sqlState(t);
            if (state != null && (state.startsWith("22") || state.startsWith("42"))) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }

    /** The SQLSTATE a failure carries: PostgreSQL's, Hibernate's, or (Hibernate Reactive) "…(22001)]" in its text. */
    private static String sqlState(Throwable t) {
        if (t instanceof PgException pg && pg.getSqlState() != null) {
            return pg.getSqlState();
        }
        if (t instanceof org.hibernate.JDBCException jdbc && jdbc.getSQLState() != null) {
            return jdbc.getSQLState();
        }
        if (t instanceof org.hibernate.exception.DataException || t instanceof org.hibernate.exception.SQLGrammarException) {
            Matcher m = STATE_IN_TEXT.matcher(String.valueOf(t.getMessage()));
            return m.find() ? m.group(1) : t instanceof org.hibernate.exception.DataException ? "22000" : "42000";
        }
        return null;
    }

    private static final Pattern STATE_IN_TEXT = Pattern.compile("\\(([0-9A-Z]{5})\\)\\]");
}
