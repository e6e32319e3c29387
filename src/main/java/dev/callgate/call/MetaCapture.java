package dev.callgate.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Meta-native call recording or transcription (spec §1): the {@code recording} / {@code transcription} object that
 * {@code connect} and {@code accept} carry — {@code {"status":"ENABLED|DISABLED","purpose":"≤250 chars",
 * "announcement_language":"en_US"}}. Meta records (or transcribes) and announces it to the user; the result comes as a
 * {@code call_recording_available} / {@code call_transcription_available} webhook with a media id. Not to be confused
 * with Callgate's own recording ({@code media.record}).
 */
public final class MetaCapture {

    private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}(_[A-Z]{2})?");

    private MetaCapture() {
    }

    /**
     * Reads the option {@code field} of a command ({@code status}, {@code purpose}, {@code announcementLanguage} or
     * {@code announcement_language}) into Meta's wire shape; null when absent. Problems are added in the command's
     * words.
     */
    public static ObjectNode read(JsonNode command, String field, List<String> problems) {
        JsonNode option = command.get(field);
        if (option == null || option.isNull()) {
            return null;
        }
        if (!option.isObject()) {
            problems.add(field + " is an object: {\"status\":\"ENABLED\"|\"DISABLED\", \"purpose\"?, "
                    + "\"announcementLanguage\"?}");
            return null;
        }
        ObjectNode wire = JsonNodeFactory.instance.objectNode();
        String status = option.path("status").asText("").toUpperCase(Locale.ROOT);
        if (!status.equals("ENABLED") && !status.equals("DISABLED")) {
            problems.add(field + ".status is ENABLED or DISABLED");
        }
        wire.put("status", status);
        JsonNode purpose = option.get("purpose");
        if (purpose != null && !purpose.isNull()) {
            if (!purpose.isTextual() || purpose.asText().length() > 250) {
                problems.add(field + ".purpose is text of at most 250 characters");
            } else {
                wire.put("purpose", purpose.asText());
            }
        }
        JsonNode language = option.has("announcementLanguage") ? option.get("announcementLanguage")
                : option.get("announcement_language");
        if (language != null && !language.isNull()) {
            if (!LANGUAGE.matcher(language.asText()).matches()) {
                problems.add(field + ".announcementLanguage is a language code such as en_US");
            } else {
                wire.put("announcement_language", language.asText());
            }
        }
        return wire;
    }
}
