package dev.callgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.call.store.Call;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.util.List;

/**
 * One call's history in order — the view an operator opens first: each command that named it, each webhook Meta sent
 * about it (as received; no payloads, which hold phone numbers), each transition of its state (from, to, on which
 * signal, the outcome and reason it set, its span in the call's trace), each Cloud API effect (with its attempts,
 * result and last error) and each event published on {@code callgate.events}, from the rows PostgreSQL keeps (within
 * the retention windows). What one transaction wrote shares its time: the command or webhook first, then the
 * transition, then the effects and events it produced. {@code traceId}: the call's trace, when tracing was on as it
 * began (find it in the tracing back-end; docs/operations.md).
 */
public record CallTimeline(String callRef, String whatsappCallId, String direction, String state, String outcome,
                           String traceId, List<Entry> entries) {

    /** One thing that happened to the call: when, what kind ({@code command}, {@code webhook}, {@code transition},
     * {@code effect}, {@code event}), what (the command type, the webhook's event or status, the state reached, the
     * effect's action, the event type), and the details of its kind. */
    public record Entry(Instant at, String kind, String what, JsonNode detail) {
    }

    private static final String ENTRIES = """
            select cast(extract(epoch from at) * 1000000 as bigint), kind, what, cast(detail as text) from (
              select c.processed_at as at, 'command' as kind, c.command_type as what, 1 as ord,
                     jsonb_build_object('commandId', c.command_id) as detail
                from processed_commands c where c.call_reference = ?1
              union all
              select e.received_at, 'webhook', coalesce(e.event, e.kind), 2,
                     jsonb_build_object('kind', e.kind, 'occurredAt', e.occurred_at, 'recordedAt', e.recorded_at,
                                        'dedupId', e.dedup_id)
                from call_events e where e.whatsapp_call_id = cast(?2 as text)
              union all
              select t.at, 'transition', t.to_state, 3,
                     jsonb_strip_nulls(jsonb_build_object('fromState', t.from_state, 'signal', t.signal,
                                                          'outcome', t.outcome, 'reason', t.reason,
                                                          'spanId', t.span_id))
                from call_transitions t where t.call_id = ?3
              union all
              select f.created_at, 'effect', f.kind, 4,
                     jsonb_strip_nulls(jsonb_build_object('attempts', f.attempts, 'doneAt', f.done_at,
                                                          'result', f.result, 'lastError', f.last_error))
                from call_effects f where f.call_id = ?3
              union all
              select o.created_at, 'event', o.payload ->> 'type', 5,
                     jsonb_strip_nulls(jsonb_build_object('publishedAt', o.published_at))
                from outbox o where o.record_key = ?1
            ) t order by at, ord""";

    /** The timeline of {@code call}; in a session. */
    static Uni<CallTimeline> of(Call call, ObjectMapper mapper) {
        return Panache.getSession().chain(s -> s.createNativeQuery(ENTRIES, Object[].class)
                        .setParameter(1, call.callRef).setParameter(2, call.whatsappCallId).setParameter(3, call.id)
                        .getResultList())
                .map(rows -> new CallTimeline(call.callRef, call.whatsappCallId,
                        call.direction == null ? null : call.direction.name(),
                        call.state == null ? null : call.state.name(),
                        call.outcome == null ? null : call.outcome.name(),
                        dev.callgate.tracing.TraceParent.traceId(call.traceParent),
                        rows.stream().map(row -> new Entry(instant(row[0]), (String) row[1], (String) row[2],
                                tree(mapper, (String) row[3]))).toList()));
    }

    /** An entry's time: microseconds since the epoch, as the query selects it (PostgreSQL's own precision). */
    private static Instant instant(Object micros) {
        return Instant.EPOCH.plus(((Number) micros).longValue(), java.time.temporal.ChronoUnit.MICROS);
    }

    private static JsonNode tree(ObjectMapper mapper, String json) {
        try {
            return mapper.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return mapper.getNodeFactory().textNode(json);
        }
    }
}
