package dev.callgate.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Twilio's bidirectional Media Streams messages, as an application written for Twilio expects them: what Callgate
 * sends ({@code connected}, {@code start}, {@code media}, {@code mark}, {@code stop}) with Twilio's field names and
 * types (sequence numbers, chunks and timestamps as strings), and what the application sends back ({@code media},
 * {@code mark}, {@code clear}). Audio is μ-law at 8000 Hz mono, base64 in {@code payload}.
 *
 * <p>One instance per stream: it numbers the messages it writes ({@code sequenceNumber} from 1, {@code chunk} from 1).
 * {@code callSid} is the call's reference, {@code accountSid} the business number's id. Thread-safe: the user's audio
 * and the application's played marks are written from different threads, numbered from one counter.
 */
public final class TwilioMessages {

    /** Twilio's stream id shape: {@code MZ} and 32 hex digits. */
    public static String newStreamSid() {
        return "MZ" + java.util.UUID.randomUUID().toString().replace("-", "");
    }

    private final ObjectMapper mapper;
    private final String streamSid;
    private final String callSid;
    private final String accountSid;
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong chunk = new java.util.concurrent.atomic.AtomicLong();

    public TwilioMessages(ObjectMapper mapper, String streamSid, String callSid, String accountSid) {
        this.mapper = mapper;
        this.streamSid = streamSid;
        this.callSid = callSid;
        this.accountSid = accountSid;
    }

    public String streamSid() {
        return streamSid;
    }

    /** The first message: the protocol to expect. */
    public String connected() {
        ObjectNode m = mapper.createObjectNode();
        m.put("event", "connected");
        m.put("protocol", "Call");
        m.put("version", "1.0.0");
        return m.toString();
    }

    /** The stream's metadata, sent once right after {@link #connected()}. */
    public String start(List<String> tracks, Map<String, String> customParameters) {
        ObjectNode m = numbered("start");
        ObjectNode start = m.putObject("start");
        start.put("accountSid", accountSid);
        start.put("streamSid", streamSid);
        start.put("callSid", callSid);
        tracks.forEach(start.putArray("tracks")::add);
        ObjectNode parameters = start.putObject("customParameters");
        customParameters.forEach(parameters::put);
        ObjectNode format = start.putObject("mediaFormat");
        format.put("encoding", "audio/x-mulaw");
        format.put("sampleRate", 8000);
        format.put("channels", 1);
        m.put("streamSid", streamSid);
        return m.toString();
    }

    /** One chunk of the caller's audio ({@code track} inbound), {@code timestampMillis} after the stream started. */
    public String media(String track, byte[] mulaw, int off, int len, long timestampMillis) {
        ObjectNode m = numbered("media");
        ObjectNode media = m.putObject("media");
        media.put("track", track);
        media.put("chunk", Long.toString(chunk.incrementAndGet()));
        media.put("timestamp", Long.toString(timestampMillis));
        media.put("payload", Base64.getEncoder().encodeToString(off == 0 && len == mulaw.length ? mulaw
                : java.util.Arrays.copyOfRange(mulaw, off, off + len)));
        m.put("streamSid", streamSid);
        return m.toString();
    }

    /** The application's mark, echoed once the audio sent before it has been played (or cleared). */
    public String mark(String name) {
        ObjectNode m = numbered("mark");
        m.put("streamSid", streamSid);
        m.putObject("mark").put("name", name);
        return m.toString();
    }

    /** The last message: the stream ends (the call ended, or the stream was stopped). */
    public String stop() {
        ObjectNode m = numbered("stop");
        m.put("streamSid", streamSid);
        ObjectNode stop = m.putObject("stop");
        stop.put("accountSid", accountSid);
        stop.put("callSid", callSid);
        return m.toString();
    }

    private ObjectNode numbered(String event) {
        ObjectNode m = mapper.createObjectNode();
        m.put("event", event);
        m.put("sequenceNumber", Long.toString(sequence.incrementAndGet()));
        return m;
    }

    /** A message from the application. */
    public sealed interface Inbound {
    }

    /** Audio to play: μ-law 8000 Hz bytes. */
    public record Media(byte[] mulaw) implements Inbound {
    }

    /** A mark after the audio sent so far. */
    public record Mark(String name) implements Inbound {
    }

    /** Drop the audio not yet played (barge-in). */
    public record Clear() implements Inbound {
    }

    /** A message Callgate does not act on (an event it does not know): ignored, counted. */
    public record Other(String event) implements Inbound {
    }

    /**
     * Reads one text frame from the application.
     *
     * @throws IllegalArgumentException when it is not a JSON object with an {@code event}, or a {@code media} without
     *                                  a base64 {@code payload}, or a {@code mark} without a name
     */
    public static Inbound read(ObjectMapper mapper, String text) {
        JsonNode m = StreamMessage.json(mapper, text);
        String event = m.get("event").asText();
        switch (event) {
            case "media" -> {
                JsonNode payload = m.path("media").path("payload");
                if (!payload.isTextual()) {
                    throw new IllegalArgumentException("media without media.payload");
                }
                try {
                    return new Media(Base64.getDecoder().decode(payload.asText()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("media.payload is not base64");
                }
            }
            case "mark" -> {
                JsonNode name = m.path("mark").path("name");
                if (!name.isTextual()) {
                    throw new IllegalArgumentException("mark without mark.name");
                }
                return new Mark(name.asText());
            }
            case "clear" -> {
                return new Clear();
            }
            default -> {
                return new Other(event);
            }
        }
    }
}
