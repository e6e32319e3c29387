package dev.callgate.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;

/** Reads the CloudEvents of {@code callgate.events} records, as a consumer of Callgate would. */
public final class CloudEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CloudEvents() {
    }

    /** The whole CloudEvent (specversion, id, type, subject, data, …). */
    public static JsonNode event(ConsumerRecord<String, String> record) {
        try {
            return JSON.readTree(record.value());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not a CloudEvent: " + record.value(), e);
        }
    }

    public static JsonNode data(ConsumerRecord<String, String> record) {
        return event(record).path("data");
    }

    /** The types of these call events without the {@code dev.callgate.call.} prefix, in order. */
    public static List<String> callTypes(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(r -> event(r).path("type").asText().replace("dev.callgate.call.", "")).toList();
    }
}
