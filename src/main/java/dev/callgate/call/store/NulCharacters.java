package dev.callgate.call.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PostgreSQL cannot hold U+0000: not in {@code text}/{@code varchar} (22021) and not in a {@code jsonb} string
 * (22P05), while JSON may carry it as {@code \u0000}. A webhook record that does is escaped once, as it is read: every
 * U+0000 in a string (or an object key) becomes the six characters {@code \u0000}, so the record the service works with
 * — and every column, query parameter, jsonb payload and event built from it — holds no NUL. The record's text as it
 * was received is kept beside it ({@code call_events.original}, a {@code json} column, which keeps text verbatim).
 */
public final class NulCharacters {

    /** What a U+0000 becomes: a backslash, {@code u} and four zeros. */
    public static final String ESCAPED = "\\u0000";

    private NulCharacters() {
    }

    /** Whether JSON text may decode to a string with U+0000 (it can only be written escaped, {@code \u0000}). */
    public static boolean mayHold(String json) {
        return json.contains(ESCAPED);
    }

    /** The string with every U+0000 escaped; the same string when it has none. */
    public static String escape(String value) {
        return value == null || value.indexOf('\u0000') < 0 ? value : value.replace("\u0000", ESCAPED);
    }

    /** A copy of the tree with every U+0000 in its strings and keys escaped, or the tree itself when it has none. */
    public static JsonNode escape(JsonNode tree) {
        if (!holds(tree)) {
            return tree;
        }
        JsonNode copy = tree.deepCopy();
        escapeInPlace(copy);
        return copy;
    }

    private static boolean holds(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\u0000') >= 0;
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (field.getKey().indexOf('\u0000') >= 0 || holds(field.getValue())) {
                    return true;
                }
            }
            return false;
        }
        if (node.isArray()) {
            for (JsonNode element : node) {
                if (holds(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void escapeInPlace(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(object.properties());
            object.removeAll();
            for (Map.Entry<String, JsonNode> field : fields) {
                object.set(escape(field.getKey()), escapeValue(field.getValue()));
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, escapeValue(array.get(i)));
            }
        }
    }

    private static JsonNode escapeValue(JsonNode value) {
        if (value.isTextual()) {
            return TextNode.valueOf(escape(value.textValue()));
        }
        escapeInPlace(value);
        return value;
    }
}
