package dev.callgate.permission;

import java.util.List;

/**
 * A validated call permission request (command {@code permission.request} or {@code POST /v1/permissions/requests}).
 *
 * @param mode         {@code interactive} (free-form, inside the customer-service window) or {@code template}
 * @param bodyText     interactive: the optional context text
 * @param templateName template: its name; {@code templateLanguage} its language code; {@code templateParameters}
 *                     the body parameters, in order
 */
public record PermissionRequest(String commandId, String phoneNumberId, String to, String mode, String bodyText,
                                String templateName, String templateLanguage, List<String> templateParameters) {

    public boolean template() {
        return "template".equals(mode);
    }
}
