package dev.callgate.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;

import java.util.Map;

/**
 * Callgate's native stream protocol: wideband audio as binary frames of 16-bit little-endian PCM, mono, at 16000 or
 * 24000 Hz (20 ms per frame from Callgate; any whole number of samples from the application), control as JSON text
 * frames. docs/streams.md has it message by message.
 *
 * <p>From Callgate: {@code start} (stream id, the call — reference, WhatsApp call id, direction, business number,
 * user's phone and BSUID, {@code bizOpaqueCallbackData} — the parameters and the format), binary audio, {@code mark}
 * (an application's mark, played), {@code stop} (with the reason). From the application: binary audio, {@code mark},
 * {@code clear}, {@code hangup}.
 */
final class NativeProtocol implements StreamProtocol {

    private final ObjectMapper mapper;
    private final StreamCall call;
    private final Map<String, String> parameters;
    private final int rate;
    private final String streamId = "CS" + java.util.UUID.randomUUID().toString().replace("-", "");

    NativeProtocol(ObjectMapper mapper, StreamCall call, Map<String, String> parameters, int rate) {
        this.mapper = mapper;
        this.call = call;
        this.parameters = parameters;
        this.rate = rate;
    }

    @Override
    public int sampleRate() {
        return rate;
    }

    @Override
    public String streamId() {
        return streamId;
    }

    @Override
    public void opened(WebSocket ws) {
        ObjectNode m = mapper.createObjectNode();
        m.put("event", "start");
        m.put("streamId", streamId);
        ObjectNode c = m.putObject("call");
        c.put("callRef", call.callRef());
        putIfKnown(c, "whatsappCallId", call.whatsappCallId());
        c.put("direction", call.direction());
        c.put("phoneNumberId", call.phoneNumberId());
        ObjectNode user = c.putObject("user");
        putIfKnown(user, "phone", call.userPhone());
        putIfKnown(user, "bsuid", call.userBsuid());
        putIfKnown(c, "bizOpaqueCallbackData", call.bizOpaqueCallbackData());
        ObjectNode p = m.putObject("parameters");
        parameters.forEach(p::put);
        ObjectNode format = m.putObject("format");
        format.put("encoding", "pcm_s16le");
        format.put("sampleRate", rate);
        format.put("channels", 1);
        format.put("frameMillis", 20);
        ws.writeTextMessage(m.toString());
    }

    @Override
    public Future<Void> audio(WebSocket ws, short[] pcm, int samples, long timestampMillis) {
        Buffer frame = Buffer.buffer(samples * 2);
        for (int i = 0; i < samples; i++) {
            frame.appendShortLE(pcm[i]);
        }
        return ws.writeBinaryMessage(frame);
    }

    @Override
    public void markPlayed(WebSocket ws, String name) {
        ws.writeTextMessage(mapper.createObjectNode().put("event", "mark").put("name", name).toString());
    }

    @Override
    public Future<Void> stop(WebSocket ws, String reason) {
        return ws.writeTextMessage(mapper.createObjectNode().put("event", "stop").put("reason", reason).toString());
    }

    @Override
    public StreamMessage readText(String text) {
        JsonNode m = StreamMessage.json(mapper, text);
        String event = m.get("event").asText();
        return switch (event) {
            case "mark" -> {
                if (!m.path("name").isTextual()) {
                    throw new IllegalArgumentException("mark without a name");
                }
                yield new StreamMessage.Mark(m.get("name").asText());
            }
            case "clear" -> new StreamMessage.Clear();
            case "hangup" -> new StreamMessage.Hangup();
            default -> new StreamMessage.Ignored(event);
        };
    }

    @Override
    public StreamMessage readBinary(Buffer data) {
        if (data.length() % 2 != 0) {
            throw new IllegalArgumentException("binary audio is 16-bit samples: an even number of bytes, got "
                    + data.length());
        }
        short[] pcm = new short[data.length() / 2];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = data.getShortLE(i * 2);
        }
        return new StreamMessage.Audio(pcm, pcm.length);
    }

    private static void putIfKnown(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
