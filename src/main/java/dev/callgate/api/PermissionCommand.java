package dev.callgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.permission.PermissionRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"type":"permission.request", commandId, phoneNumberId, to, mode: "interactive" | "template",
 * bodyText? | template: {name, language, parameters?}}} on {@code callgate.commands} (key: the user's number), and the
 * body of {@code POST /v1/permissions/requests}. Contract: docs/topics.md.
 */
final class PermissionCommand {

    static final String TYPE = "permission.request";

    private PermissionCommand() {
    }

    /** @throws InvalidCommandException naming every problem */
    static PermissionRequest parse(JsonNode json, String defaultCommandId) {
        List<String> problems = new ArrayList<>();
        String commandId = text(json, "commandId");
        if (commandId == null) {
            commandId = defaultCommandId;
        }
        if (commandId == null || !CallCommand.REF.matcher(commandId).matches()) {
            problems.add("commandId is required: 1–200 characters of letters, digits and ._:@+/=-");
        }
        String phoneNumberId = text(json, "phoneNumberId");
        if (phoneNumberId == null || !CallCommand.DIGITS.matcher(phoneNumberId).matches()) {
            problems.add("phoneNumberId is required: the business number's id, digits");
        }
        String to = text(json, "to");
        String recipient = text(json, "recipient");
        if (to == null && recipient != null) {
            if (!dev.callgate.cloudapi.WhatsAppUserId.isBsuid(recipient)) {
                problems.add("recipient is the user's business-scoped user id (BSUID), e.g. US.13491208655302741918");
            }
            to = recipient; // a user known only by BSUID: the request goes to them by it
        } else if (to == null || !CallCommand.PHONE.matcher(to).matches()) {
            problems.add("to is required: the user's number in international format, 6–15 digits (or recipient: "
                    + "the user's BSUID)");
        }
        String mode = text(json, "mode");
        if (mode == null) {
            mode = json.has("template") ? "template" : "interactive";
        }
        String bodyText = text(json, "bodyText");
        String name = null;
        String language = null;
        List<String> parameters = List.of();
        if ("interactive".equals(mode)) {
            if (json.has("template")) {
                problems.add("an interactive request takes bodyText, not template");
            }
            if (bodyText != null && bodyText.length() > 1024) {
                problems.add("bodyText is at most 1024 characters");
            }
        } else if ("template".equals(mode)) {
            JsonNode template = json.path("template");
            name = text(template, "name");
            language = text(template, "language");
            if (name == null || language == null) {
                problems.add("a template request needs template.name and template.language (a template with the "
                        + "call_permission_request component)");
            }
            if (bodyText != null) {
                problems.add("a template request takes template.parameters, not bodyText");
            }
            JsonNode list = template.path("parameters");
            if (!list.isMissingNode() && !list.isNull()) {
                if (!list.isArray()) {
                    problems.add("template.parameters is an array of strings");
                } else {
                    List<String> values = new ArrayList<>();
                    list.forEach(p -> values.add(p.asText()));
                    parameters = List.copyOf(values);
                }
            }
        } else {
            problems.add("mode is interactive or template");
        }
        if (!problems.isEmpty()) {
            throw new InvalidCommandException(null, commandId, problems);
        }
        return new PermissionRequest(commandId, phoneNumberId, to.startsWith("+") ? to.substring(1) : to, mode,
                bodyText, name, language, parameters);
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() || !node.isValueNode() || node.asText().isBlank() ? null : node.asText();
    }
}
