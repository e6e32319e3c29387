package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The message templates of the simulated WhatsApp Business Account ({@code POST /{waba_id}/message_templates}, spec
 * §2.4), approved at once. A template is a call permission request when it has a {@code call_permission_request}
 * component — its name says nothing. They are account set-up, like the numbers: a reset keeps them.
 */
final class MessageTemplates {

    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,512}");
    private static final Set<String> CATEGORIES = Set.of("MARKETING", "UTILITY", "AUTHENTICATION");

    /** An approved template: its id and whether it asks for call permission. */
    record Template(String id, String name, String language, String category, boolean callPermissionRequest) {
    }

    private final Map<String, Template> byNameAndLanguage = new ConcurrentHashMap<>();

    /** Creates (or replaces) a template; returns Meta's answer. */
    Map<String, Object> create(JsonNode body) {
        String name = body == null ? "" : body.path("name").asText("");
        String language = body == null ? "" : body.path("language").asText("");
        String category = body == null ? "" : body.path("category").asText("").toUpperCase(Locale.ROOT);
        if (!NAME.matcher(name).matches()) {
            throw GraphError.invalidParameter("name: lowercase letters, digits and underscores");
        }
        if (language.isEmpty()) {
            throw GraphError.invalidParameter("language is required");
        }
        if (!CATEGORIES.contains(category)) {
            throw GraphError.invalidParameter("category must be MARKETING, UTILITY or AUTHENTICATION");
        }
        JsonNode components = body.path("components");
        if (!components.isArray()) {
            throw GraphError.invalidParameter("components must be an array");
        }
        boolean callPermission = false;
        boolean hasBody = false;
        boolean hasButtons = false;
        for (JsonNode component : components) {
            String type = component.path("type").asText("").toUpperCase(Locale.ROOT);
            callPermission |= type.equals("CALL_PERMISSION_REQUEST");
            hasBody |= type.equals("BODY");
            hasButtons |= type.equals("BUTTONS");
        }
        if (!hasBody) {
            throw GraphError.invalidParameter("a BODY component is required");
        }
        if (callPermission && category.equals("AUTHENTICATION")) {
            throw GraphError.invalidParameter("a call_permission_request template is MARKETING or UTILITY");
        }
        if (callPermission && hasButtons) {
            throw GraphError.invalidParameter("call_permission_request cannot be combined with other buttons");
        }
        String id = String.valueOf(ThreadLocalRandom.current().nextLong(100_000_000_000_000L, 999_999_999_999_999L));
        byNameAndLanguage.put(key(name, language), new Template(id, name, language, category, callPermission));
        return Map.of("id", id, "status", "APPROVED", "category", category);
    }

    /** Whether the template sent by this name and language asks for call permission; false for unknown templates. */
    boolean requestsCallPermission(String name, String language) {
        Template template = byNameAndLanguage.get(key(name, language));
        return template != null && template.callPermissionRequest();
    }

    private static String key(String name, String language) {
        return name + "\u0000" + language;
    }
}
