package dev.callgate.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callgate.contract.WebhookRecord;

import java.util.Locale;
import java.util.Optional;

/**
 * What a {@code call_recording_available} or {@code call_transcription_available} webhook (spec §4.6) delivers: the
 * media id (and checksum, type, URL) of Meta's recording ({@code call_recording.audio}) or transcript
 * ({@code call_transcript.document}) of a call. Read leniently: the item's {@code event} names it, or the object does.
 */
public record MetaMedia(Kind kind, String mediaId, String sha256, String mimeType, String url) {

    public enum Kind { RECORDING, TRANSCRIPT }

    public static Optional<MetaMedia> of(WebhookRecord record) {
        JsonNode item = record.item();
        if (record.kind() != WebhookRecord.Kind.CALL || item == null) {
            return Optional.empty();
        }
        String event = String.valueOf(record.event()).toLowerCase(Locale.ROOT);
        JsonNode audio = first(item.path("call_recording").path("audio"), item.path("recording").path("audio"));
        JsonNode document = first(item.path("call_transcript").path("document"),
                item.path("call_transcription").path("document"));
        if (event.equals("call_recording_available") || (audio != null && !event.equals("call_transcription_available"))) {
            return audio == null ? Optional.empty() : Optional.of(of(Kind.RECORDING, audio));
        }
        if (event.equals("call_transcription_available") || document != null) {
            return document == null ? Optional.empty() : Optional.of(of(Kind.TRANSCRIPT, document));
        }
        return Optional.empty();
    }

    private static MetaMedia of(Kind kind, JsonNode media) {
        return new MetaMedia(kind, media.path("id").asText(null), media.path("sha256").asText(null),
                media.path("mime_type").asText(null), media.path("url").asText(null));
    }

    private static JsonNode first(JsonNode... nodes) {
        for (JsonNode node : nodes) {
            if (node.isObject() && node.hasNonNull("id")) {
                return node;
            }
        }
        return null;
    }

    public ObjectNode asEventData(ObjectMapper mapper) {
        ObjectNode data = mapper.createObjectNode();
        data.put("mediaId", mediaId);
        if (sha256 != null) {
            data.put("sha256", sha256);
        }
        if (mimeType != null) {
            data.put("mimeType", mimeType);
        }
        if (url != null) {
            data.put("url", url);
        }
        return data;
    }
}
