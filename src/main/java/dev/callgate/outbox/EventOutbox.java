package dev.callgate.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import dev.callgate.tracing.CallTracing;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.util.UUID;

/**
 * Writes an event for {@code callgate.events} as an outbox row, inside the caller's transaction (Debezium's outbox
 * pattern): a CloudEvent 1.0 in structured JSON mode, keyed by the subject it is about.
 */
@ApplicationScoped
public class EventOutbox {

    private final ObjectMapper mapper;
    /** The topic the relay publishes to (recorded on the row for operators). */
    private final String topic;

    private final CallTracing tracing;

    public EventOutbox(ObjectMapper mapper,
                       @ConfigProperty(name = "mp.messaging.outgoing.events-out.topic") String topic,
                       CallTracing tracing) {
        this.tracing = tracing;
        this.mapper = mapper;
        this.topic = topic;
    }

    public ObjectNode data() {
        return mapper.createObjectNode();
    }

    /**
     * Adds the event; {@code key} is the record key and the CloudEvent subject. Must run inside a transaction. The
     * record continues the current trace (the command's or webhook's being worked).
     */
    public Uni<Void> add(String key, String type, ObjectNode data, Instant now) {
        return add(key, type, data, now, tracing.current());
    }

    /** As {@link #add(String, String, ObjectNode, Instant)}; the record's span goes under {@code traceParent}. */
    public Uni<Void> add(String key, String type, ObjectNode data, Instant now, String traceParent) {
        ObjectNode event = mapper.createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", UUID.randomUUID().toString());
        event.put("source", "urn:callgate");
        event.put("type", type);
        event.put("subject", key);
        event.put("time", now.toString());
        event.put("datacontenttype", "application/json");
        event.set("data", data);
        String json;
        try {
            json = mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return Panache.getSession().chain(session -> session.createNativeQuery(
                        "insert into outbox (topic, record_key, payload, trace_parent) "
                                + "values (?1, ?2, cast(cast(?3 as text) as jsonb), ?4)")
                .setParameter(1, topic).setParameter(2, key).setParameter(3, json).setParameter(4, traceParent)
                .executeUpdate())
                .replaceWithVoid();
    }
}
