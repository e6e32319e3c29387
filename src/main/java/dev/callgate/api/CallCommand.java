package dev.callgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callgate.call.InitiateCall;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The commands of {@code callgate.commands} (and their REST twins), read from JSON and validated. Contract and JSON
 * Schemas: docs/topics.md.
 */
public sealed interface CallCommand {

    String commandId();

    String callRef();

    /**
     * {@code {"type":"call.initiate", commandId, callRef, phoneNumberId, to | recipient, bizOpaqueCallbackData?,
     * media?}}: {@code recipient} is the BSUID of a user known only by it (with both, Meta calls {@code to}).
     */
    record Initiate(InitiateCall call) implements CallCommand {
        public String commandId() {
            return call.commandId();
        }

        public String callRef() {
            return call.callRef();
        }
    }

    /** {@code {"type":"call.terminate", commandId, callRef}} */
    record Terminate(String commandId, String callRef) implements CallCommand {
    }

    /**
     * {@code {"type":"call.accept", commandId, callRef | callId, media?: {tone | prompt}}}: answer a user-initiated
     * call (its callRef is its WhatsApp call id). Null media: what {@code callgate.incoming.*} configures.
     */
    record Accept(String commandId, String callRef, Double toneHz, String prompt,
                  com.fasterxml.jackson.databind.node.ObjectNode recording,
                  com.fasterxml.jackson.databind.node.ObjectNode transcription, String stream) implements CallCommand {

        public Accept(String commandId, String callRef, Double toneHz, String prompt) {
            this(commandId, callRef, toneHz, prompt, null, null, null);
        }
    }

    /**
     * {@code {"type":"call.stream.start", commandId, callRef, stream: {url, protocol, …}}}: the call's audio goes to an
     * application from now on (an active call at once, else from the pick-up).
     */
    record StartStream(String commandId, String callRef, String stream) implements CallCommand {
    }

    /** {@code {"type":"call.stream.stop", commandId, callRef}}: the call's stream ends; the call goes on, silent. */
    record StopStream(String commandId, String callRef) implements CallCommand {
    }

    /** {@code {"type":"call.reject", commandId, callRef | callId}}: decline a user-initiated call. */
    record Reject(String commandId, String callRef) implements CallCommand {
    }

    /** What a call plays and whether it is recorded, as a command's {@code media} object names it. */
    record Media(Double toneHz, String prompt, boolean record, String stream) {
        static final Media NONE = new Media(null, null, false, null);
    }

    /**
     * A command id or call reference: WhatsApp call ids ({@code wacid.} + standard base64, with {@code +}, {@code /}
     * and {@code =} padding) are call references of user-initiated calls, so those characters are allowed too.
     */
    Pattern REF = Pattern.compile("[A-Za-z0-9._:@+/=-]{1,200}");
    Pattern DIGITS = Pattern.compile("\\d{1,64}");
    Pattern PHONE = Pattern.compile("\\+?\\d{6,15}");
    Pattern PROMPT = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /**
     * @throws InvalidCommandException naming every problem, and the callRef when it could be read
     */
    static CallCommand parse(JsonNode json, String defaultCommandId) {
        if (json == null || !json.isObject()) {
            throw new InvalidCommandException(null, null, List.of("a command is a JSON object"));
        }
        List<String> problems = new ArrayList<>();
        String type = text(json, "type");
        String callRef = text(json, "callRef");
        boolean answering = "call.accept".equals(type) || "call.reject".equals(type);
        if (callRef == null && answering) {
            callRef = text(json, "callId"); // a user-initiated call's callRef is its WhatsApp call id
        }
        String commandId = text(json, "commandId");
        if (commandId == null) {
            commandId = defaultCommandId;
        }
        if (commandId == null || !REF.matcher(commandId).matches()) {
            problems.add("commandId is required: 1–200 characters of letters, digits and ._:@+/=-");
        }
        if (callRef == null || !REF.matcher(callRef).matches()) {
            problems.add(answering ? "callRef (or callId) is required: the call's WhatsApp call id"
                    : "callRef is required: 1–200 characters of letters, digits and ._:@+/=-");
        }
        if ("call.terminate".equals(type)) {
            check(problems, callRef, commandId);
            return new Terminate(commandId, callRef);
        }
        if ("call.reject".equals(type)) {
            check(problems, callRef, commandId);
            return new Reject(commandId, callRef);
        }
        if ("call.stream.start".equals(type)) {
            String stream = json.has("stream") && !json.get("stream").isNull()
                    ? stream(json.get("stream"), "stream", problems) : null;
            if (stream == null && (!json.has("stream") || json.get("stream").isNull())) {
                problems.add("stream is required: {url, protocol, format, parameters, headers, onClose}");
            }
            check(problems, callRef, commandId);
            return new StartStream(commandId, callRef, stream);
        }
        if ("call.stream.stop".equals(type)) {
            check(problems, callRef, commandId);
            return new StopStream(commandId, callRef);
        }
        if ("call.accept".equals(type)) {
            Media media = media(json, problems);
            if (media.record()) {
                problems.add("media.record cannot be chosen on accept: an incoming call's recording is set by "
                        + "callgate.incoming.record when the call arrives");
            }
            check(problems, callRef, commandId);
            var recording = dev.callgate.call.MetaCapture.read(json, "recording", problems);
            var transcription = dev.callgate.call.MetaCapture.read(json, "transcription", problems);
            check(problems, callRef, commandId);
            return new Accept(commandId, callRef, media.toneHz(), media.prompt(), recording, transcription,
                    media.stream());
        }
        if (!"call.initiate".equals(type)) {
            problems.add("type must be call.initiate, call.terminate, call.accept, call.reject, call.stream.start or "
                    + "call.stream.stop");
            throw new InvalidCommandException(valid(callRef), commandId, problems);
        }
        String phoneNumberId = text(json, "phoneNumberId");
        if (phoneNumberId == null || !DIGITS.matcher(phoneNumberId).matches()) {
            problems.add("phoneNumberId is required: the business number's id, digits");
        }
        String to = text(json, "to");
        String recipient = text(json, "recipient");
        if (to == null && recipient == null) {
            problems.add("to is required: the user's number in international format, 6–15 digits "
                    + "(or recipient: the user's BSUID, for a user known only by it)");
        }
        if (to != null && !PHONE.matcher(to).matches()) {
            problems.add("to is required: the user's number in international format, 6–15 digits");
        }
        if (recipient != null && !dev.callgate.cloudapi.WhatsAppUserId.isBsuid(recipient)) {
            problems.add("recipient is the user's business-scoped user id (BSUID), e.g. US.13491208655302741918");
        }
        String opaque = text(json, "bizOpaqueCallbackData");
        if (opaque != null && opaque.length() > dev.callgate.call.BizOpaqueData.MAX_CALLER_LENGTH) {
            problems.add("bizOpaqueCallbackData is at most " + dev.callgate.call.BizOpaqueData.MAX_CALLER_LENGTH
                    + " characters (Meta's 512 less Callgate's own correlation)");
        }
        Media media = media(json, problems);
        var recording = dev.callgate.call.MetaCapture.read(json, "recording", problems);
        var transcription = dev.callgate.call.MetaCapture.read(json, "transcription", problems);
        check(problems, callRef, commandId);
        return new Initiate(new InitiateCall(commandId, callRef, phoneNumberId,
                dev.callgate.cloudapi.WhatsAppUserId.normalise(to), recipient, opaque, media.toneHz(), media.prompt(),
                media.record(), recording, transcription, media.stream()));
    }

    private static Media media(JsonNode json, List<String> problems) {
        JsonNode media = json.path("media");
        if (media.isMissingNode() || media.isNull()) {
            return Media.NONE;
        }
        if (!media.isObject()) {
            problems.add("media must be an object");
            return Media.NONE;
        }
        Double tone = null;
        JsonNode toneNode = media.get("tone");
        if (toneNode != null && !toneNode.isNull()) {
            if (!toneNode.isNumber() || toneNode.asDouble() < 20 || toneNode.asDouble() > 8000) {
                problems.add("media.tone is a frequency in Hz between 20 and 8000");
            } else {
                tone = toneNode.asDouble();
            }
        }
        String prompt = text(media, "prompt");
        if (prompt != null && !PROMPT.matcher(prompt).matches()) {
            problems.add("media.prompt is a prompt id: letters, digits and ._-");
        }
        if (prompt != null && tone != null) {
            problems.add("media takes a tone or a prompt, not both");
        }
        JsonNode recordNode = media.get("record");
        if (recordNode != null && !recordNode.isNull() && !recordNode.isBoolean()) {
            problems.add("media.record is true or false");
        }
        String stream = media.has("stream") && !media.get("stream").isNull()
                ? stream(media.get("stream"), "media.stream", problems) : null;
        if (stream != null && (tone != null || prompt != null)) {
            problems.add("media takes a tone, a prompt or a stream, not more than one");
        }
        return new Media(tone, prompt, recordNode != null && recordNode.asBoolean(false), stream);
    }

    /** {@code media.stream} (or a stream command's {@code stream}) as canonical JSON, or null with the problems added. */
    private static String stream(JsonNode stream, String field, List<String> problems) {
        dev.callgate.stream.StreamSpec spec = dev.callgate.stream.StreamSpec.read(stream, field, problems);
        return spec == null ? null : spec.toJson().toString();
    }

    private static void check(List<String> problems, String callRef, String commandId) {
        if (!problems.isEmpty()) {
            throw new InvalidCommandException(valid(callRef), commandId, problems);
        }
    }

    private static String valid(String callRef) {
        return callRef != null && REF.matcher(callRef).matches() ? callRef : null;
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() || !node.isValueNode() || node.asText().isBlank() ? null : node.asText();
    }
}
