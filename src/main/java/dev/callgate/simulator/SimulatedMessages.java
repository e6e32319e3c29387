package dev.callgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /messages} and {@code POST /message_templates}: call permission requests (interactive, or a template
 * with a {@code call_permission_request} component) with Meta's message statuses and the user's scripted reply; other
 * interactive, template and text messages are accepted without status webhooks.
 */
final class SimulatedMessages {

    private static final Logger LOG = Logger.getLogger(SimulatedMessages.class);

    private final String wabaId;
    private final SimulatedNumbers numbers;
    private final UserScripts scripts;
    private final SimulatedPermissions permissions;
    private final MetaWebhooks webhooks;
    private final Faults faults;
    private final ScheduledExecutorService scheduler;
    /** The account's message templates; a template is a permission request by its component, not its name. */
    private final MessageTemplates templates = new MessageTemplates();

    SimulatedMessages(String wabaId, SimulatedNumbers numbers, UserScripts scripts, SimulatedPermissions permissions,
                      MetaWebhooks webhooks, Faults faults, ScheduledExecutorService scheduler) {
        this.wabaId = wabaId;
        this.numbers = numbers;
        this.scripts = scripts;
        this.permissions = permissions;
        this.webhooks = webhooks;
        this.faults = faults;
        this.scheduler = scheduler;
    }

    /** {@code POST /{waba_id}/message_templates}: the template is approved at once. */
    Map<String, Object> createTemplate(String wabaId, JsonNode body) {
        if (!this.wabaId.equals(wabaId)) {
            throw GraphError.invalidParameter("unknown WhatsApp Business Account " + wabaId);
        }
        faults.before("message_templates");
        return templates.create(body);
    }

    Map<String, Object> send(String phoneNumberId, JsonNode body) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        faults.before("messages");
        if (body == null || !"whatsapp".equals(body.path("messaging_product").asText())) {
            throw GraphError.invalidParameter("messaging_product must be \"whatsapp\"");
        }
        String to = text(body.get("to"));
        if (to == null && UserIds.isBsuid(text(body.get("recipient")))) {
            to = text(body.get("recipient")); // a user known only by BSUID
        } else if (to == null || !UserIds.isPhoneNumber(to)) {
            throw GraphError.invalidParameter("'to' must be a phone number in international format (or "
                    + "'recipient' a BSUID)");
        }
        String user = UserIds.normalise(to);
        boolean permissionRequest = asksForCallPermission(body);
        String messageId = MetaIds.messageId();
        if (permissionRequest) {
            requestPermission(number, user, messageId);
        }
        return Map.of("messaging_product", "whatsapp",
                "contacts", List.of(Map.of("input", to, "wa_id", user)),
                "messages", List.of(Map.of("id", messageId)));
    }

    /** Validates the message by its type; true for a call permission request. */
    private boolean asksForCallPermission(JsonNode body) {
        String type = body.path("type").asText("");
        switch (type) {
            case "interactive" -> {
                JsonNode interactive = body.path("interactive");
                boolean permissionRequest = "call_permission_request".equals(interactive.path("type").asText());
                if (permissionRequest) {
                    if (!"call_permission_request".equals(interactive.path("action").path("name").asText())) {
                        throw GraphError.invalidParameter(
                                "interactive.action.name must be \"call_permission_request\"");
                    }
                    if (interactive.has("header") || interactive.has("footer")) {
                        throw GraphError.invalidParameter(
                                "call_permission_request messages take no header or footer");
                    }
                } else if (interactive.path("type").asText("").isEmpty()) {
                    throw GraphError.invalidParameter("interactive.type is required");
                }
                return permissionRequest;
            }
            case "template" -> {
                String name = body.path("template").path("name").asText("");
                String language = body.path("template").path("language").path("code").asText("");
                if (name.isEmpty() || language.isEmpty()) {
                    throw GraphError.invalidParameter("template.name and template.language.code are required");
                }
                return templates.requestsCallPermission(name, language);
            }
            case "text" -> {
                if (body.path("text").path("body").asText("").isEmpty()) {
                    throw GraphError.invalidParameter("text.body is required");
                }
                return false;
            }
            default -> throw GraphError.invalidParameter("unsupported message type '" + type + "'");
        }
    }

    /**
     * A permission request within the limits: Meta's message statuses on the messages field, in order and before any
     * reply of the user — {@code sent}, then 100 ms later {@code delivered}, or {@code failed} for a user scripted
     * with {@code permissionRequestFails} (who never answers it) — and the user's scripted reply 200 ms after sending.
     */
    private void requestPermission(SimulatedNumber number, String user, String messageId) {
        UserScript script = scripts.of(user);
        Integer failsWith = script.permissionRequestFails();
        synchronized (number) {
            permissions.requestSent(number, user, messageId, failsWith == null);
        }
        messageStatus(number, user, messageId, "sent", null);
        scheduler.schedule(() -> messageStatus(number, user, messageId,
                failsWith == null ? "delivered" : "failed", failsWith), 100, TimeUnit.MILLISECONDS);
        if (failsWith == null && !"none".equals(script.permissionRequestReply())) {
            String reply = script.permissionRequestReply();
            scheduler.schedule(() -> permissions.reply(number.phoneNumberId, user,
                    reply.startsWith("accept") ? "accept" : "reject", reply.equals("accept_permanent"),
                    messageId), 200, TimeUnit.MILLISECONDS);
        }
        LOG.infof("simulator: permission request %s to %s%s", messageId, user,
                failsWith == null ? "" : " will fail with " + failsWith);
    }

    /** A message status webhook, recorded with its request (for the admin report), then sent on the user's line. */
    private void messageStatus(SimulatedNumber number, String user, String messageId, String status,
                               Integer errorCode) {
        WebhookDelivery.Record record = webhooks.messageStatus(number, user, messageId, status, errorCode);
        synchronized (number) {
            permissions.of(number, user).requestStatuses.computeIfAbsent(messageId, id -> new ArrayList<>())
                    .add(record);
        }
        webhooks.sendForUser(number, user, record);
    }

    /** Admin: the user's permission requests, oldest first, with their status webhooks and what became of them. */
    List<Map<String, Object>> permissionRequests(String phoneNumberId, String waId) {
        SimulatedNumber number = numbers.number(phoneNumberId);
        synchronized (number) {
            PermissionRecord permission = permissions.of(number, waId);
            List<Map<String, Object>> requests = new ArrayList<>();
            permission.requestStatuses.forEach((messageId, statuses) -> requests.add(Map.of("messageId", messageId,
                    "delivered", !permission.undeliveredRequests.contains(messageId),
                    "webhooks", statuses.stream().map(WebhookDelivery.Record::report).toList())));
            return requests;
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.asText().isBlank() ? null : node.asText();
    }
}
