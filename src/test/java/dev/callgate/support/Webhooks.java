package dev.callgate.support;

import io.restassured.response.ValidatableResponse;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Builds Cloud API webhooks as Meta sends them (spec §4) and posts them, signed, to the ingress. */
public final class Webhooks {

    /** The app secret of the test profile (application.properties, %test). */
    public static final String APP_SECRET = "test-app-secret-5f2c";
    public static final String WABA_ID = "102290129340398";
    public static final String PHONE_NUMBER_ID = "106540352242922";
    public static final String BUSINESS_NUMBER = "15550783881";

    private Webhooks() {
    }

    /**
     * A fresh WhatsApp call id in Meta's shape (standard base64 with {@code +}, {@code /} and {@code ==} padding), so
     * each test sees only its own records.
     */
    public static String newCallId() {
        UUID uuid = UUID.randomUUID();
        byte[] bytes = java.nio.ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits()).array();
        return "wacid.HBgLMTU1+/" + java.util.Base64.getEncoder().encodeToString(bytes);
    }

    /** A path segment with everything but unreserved characters percent-encoded: Meta's call ids carry + / =. */
    public static String segment(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    public static String signature(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(APP_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static ValidatableResponse postSigned(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(bytes, signature(bytes));
    }

    public static ValidatableResponse post(byte[] body, String signatureHeader) {
        var request = given().contentType("application/json").body(body);
        if (signatureHeader != null) {
            request = request.header("X-Hub-Signature-256", signatureHeader);
        }
        return request.when().post("/webhooks/whatsapp").then();
    }

    /** The envelope around one change. */
    public static String envelope(String field, String valueBody) {
        return """
                {"object":"whatsapp_business_account","entry":[{"id":"%s","changes":[{"field":"%s","value":{
                "messaging_product":"whatsapp",
                "metadata":{"display_phone_number":"%s","phone_number_id":"%s"},
                %s}}]}]}""".formatted(WABA_ID, field, BUSINESS_NUMBER, PHONE_NUMBER_ID, valueBody);
    }

    public static String contacts(String waId, String name) {
        return """
                "contacts":[{"profile":{"name":"%s"},"wa_id":"%s"}]""".formatted(name, waId);
    }

    public static String connectItem(String callId, String userWaId) {
        return """
                {"id":"%s","from":"%s","to":"%s","event":"connect","timestamp":"1767168000",
                 "direction":"BUSINESS_INITIATED","biz_opaque_callback_data":"order-77",
                 "session":{"sdp_type":"answer","sdp":"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\n"}}"""
                .formatted(callId, BUSINESS_NUMBER, userWaId);
    }

    public static String terminateItem(String callId, String userWaId) {
        return """
                {"id":"%s","from":"%s","to":"%s","event":"terminate","direction":"BUSINESS_INITIATED",
                 "biz_opaque_callback_data":"order-77","timestamp":"1767168120","status":"COMPLETED",
                 "start_time":"1767168010","end_time":"1767168120","duration":110}"""
                .formatted(callId, BUSINESS_NUMBER, userWaId);
    }

    /** One webhook holding a connect and a terminate of the same call. */
    public static String connectAndTerminate(String callId, String userWaId) {
        return envelope("calls", contacts(userWaId, "Zoë") + ",\n\"calls\":[" + connectItem(callId, userWaId) + ","
                + terminateItem(callId, userWaId) + "]");
    }

    public static String callStatus(String callId, String userWaId, String status) {
        return envelope("calls", """
                "statuses":[{"id":"%s","timestamp":"1767168005","type":"call","status":"%s",
                  "recipient_id":"%s","biz_opaque_callback_data":"order-77"}]""".formatted(callId, status, userWaId));
    }

    public static String permissionReply(String userWaId, boolean permanent) {
        return envelope("messages", contacts(userWaId, "Ana") + """
                ,"messages":[{"from":"%s","id":"wamid.%s","timestamp":"1767168000",
                  "context":{"from":"%s","id":"wamid.CPR%s"},"type":"interactive",
                  "interactive":{"type":"call_permission_reply","call_permission_reply":{"response":"accept",
                  "is_permanent":%s,%s"response_source":"user_action"}}}]"""
                .formatted(userWaId, UUID.randomUUID(), BUSINESS_NUMBER, UUID.randomUUID(), permanent,
                        permanent ? "" : "\"expiration_timestamp\":\"1768550400\","));
    }

    /**
     * Any {@code call_permission_reply} (spec §2.5): {@code expiresAt} epoch seconds (sent as a number, as pywa's
     * fixture does) or null; {@code context} a wamid, a wacid or null; {@code timestamp} the message's epoch seconds.
     */
    public static String permissionReply(String userWaId, String response, Boolean permanent, Long expiresAt,
                                         String source, String context, long timestamp) {
        return envelope("messages", contacts(userWaId, "Ana") + """
                ,"messages":[{"from":"%s","id":"wamid.%s","timestamp":"%d",%s"type":"interactive",
                  "interactive":{"type":"call_permission_reply","call_permission_reply":{"response":"%s",
                  %s%s"response_source":"%s"}}}]"""
                .formatted(userWaId, UUID.randomUUID(), timestamp,
                        context == null ? "" : "\"context\":{\"from\":\"" + BUSINESS_NUMBER + "\",\"id\":\""
                                + context + "\"},",
                        response, permanent == null ? "" : "\"is_permanent\":" + permanent + ",",
                        expiresAt == null ? "" : "\"expiration_timestamp\":" + expiresAt + ",", source));
    }

    /** Only delivery statuses of ordinary messages: nothing of ours. */
    public static String messageStatusesOnly(String userWaId) {
        return envelope("messages", """
                "statuses":[{"id":"wamid.%s","status":"delivered","timestamp":"1767168000","recipient_id":"%s",
                  "conversation":{"id":"c1","origin":{"type":"service"}},"pricing":{"billable":true}}]"""
                .formatted(UUID.randomUUID(), userWaId));
    }

    /** A {@code failed} status of message {@code messageId} to the user, with Meta's error {@code code}. */
    public static String failedMessageStatus(String userWaId, String messageId, int code) {
        return envelope("messages", """
                "statuses":[{"id":"%s","status":"failed","timestamp":"%d","recipient_id":"%s",
                  "errors":[{"code":%d,"title":"Message failed to send","message":"Message failed to send",
                  "error_data":{"details":"Message failed to send because of an unknown error."}}]}]"""
                .formatted(messageId, java.time.Instant.now().getEpochSecond(), userWaId, code));
    }

    /** A unique user number (digits only), so permission-reply keys do not collide between tests. */
    /** A user known only by a business-scoped user id (a username user whose number Meta withholds). */
    public static String newBsuidUser() {
        return "BR." + String.format("%019d", (long) (Math.random() * 1e18));
    }

    public static String newUser() {
        return "49151" + String.format("%08d", (long) (Math.random() * 100_000_000L));
    }
}
