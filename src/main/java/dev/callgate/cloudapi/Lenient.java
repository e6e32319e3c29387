package dev.callgate.cloudapi;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Optional;

/** Reading Meta's JSON where Meta varies: numbers sent as strings or numbers, field names with two spellings. */
final class Lenient {

    private Lenient() {
    }

    /** Unix seconds, as a number or a numeric string. */
    static Optional<Instant> epochSeconds(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.ofEpochSecond(node.isNumber() ? node.asLong()
                    : Long.parseLong(node.asText().trim())));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return Optional.empty(); // unreadable or out of range
        }
    }

    /** The first of the named fields that is present. */
    static JsonNode first(JsonNode object, String... names) {
        for (String name : names) {
            JsonNode value = object.get(name);
            if (value != null && !value.isNull()) {
                return value;
            }
        }
        return null;
    }

    static int integer(JsonNode node, int fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isNumber()) {
            return node.asInt();
        }
        try {
            return Integer.parseInt(node.asText().trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    static boolean bool(JsonNode node) {
        return node != null && (node.isBoolean() ? node.asBoolean() : "true".equalsIgnoreCase(node.asText()));
    }
}
