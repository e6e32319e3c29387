package dev.callgate.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;

import java.util.List;
import java.util.Map;

/** Twilio's bidirectional Media Streams ({@link TwilioMessages}): μ-law 8000 Hz in JSON text frames. */
final class TwilioProtocol implements StreamProtocol {

    private final ObjectMapper mapper;
    private final TwilioMessages messages;
    private final Map<String, String> parameters;
    /** The user's 20 ms, encoded: used by the sink thread only. */
    private final byte[] mulaw = new byte[160];

    TwilioProtocol(ObjectMapper mapper, StreamCall call, Map<String, String> parameters) {
        this.mapper = mapper;
        this.parameters = parameters;
        this.messages = new TwilioMessages(mapper, TwilioMessages.newStreamSid(), call.callRef(),
                call.phoneNumberId());
    }

    @Override
    public int sampleRate() {
        return 8000;
    }

    @Override
    public String streamId() {
        return messages.streamSid();
    }

    @Override
    public void opened(WebSocket ws) {
        ws.writeTextMessage(messages.connected());
        ws.writeTextMessage(messages.start(List.of("inbound"), parameters));
    }

    @Override
    public Future<Void> audio(WebSocket ws, short[] pcm, int samples, long timestampMillis) {
        MuLaw.encode(pcm, 0, samples, mulaw, 0);
        return ws.writeTextMessage(messages.media("inbound", mulaw, 0, samples, timestampMillis));
    }

    @Override
    public void markPlayed(WebSocket ws, String name) {
        ws.writeTextMessage(messages.mark(name));
    }

    @Override
    public Future<Void> stop(WebSocket ws, String reason) {
        return ws.writeTextMessage(messages.stop());
    }

    @Override
    public StreamMessage readText(String text) {
        TwilioMessages.Inbound message = TwilioMessages.read(mapper, text);
        if (message instanceof TwilioMessages.Media media) {
            byte[] bytes = media.mulaw();
            short[] pcm = new short[bytes.length];
            MuLaw.decode(bytes, 0, bytes.length, pcm, 0);
            return new StreamMessage.Audio(pcm, pcm.length);
        }
        if (message instanceof TwilioMessages.Mark mark) {
            return new StreamMessage.Mark(mark.name());
        }
        if (message instanceof TwilioMessages.Clear) {
            return new StreamMessage.Clear();
        }
        return new StreamMessage.Ignored(((TwilioMessages.Other) message).event());
    }

    @Override
    public StreamMessage readBinary(Buffer data) {
        throw new IllegalArgumentException("Twilio's Media Streams protocol has no binary messages");
    }
}
