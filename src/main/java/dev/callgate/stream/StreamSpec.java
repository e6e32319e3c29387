package dev.callgate.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where and how a call's audio is streamed: the application's WebSocket URL, the protocol and audio format, the custom
 * parameters it gets in {@code start}, headers for the WebSocket upgrade (a bearer token, say), and what happens to the
 * call when the application closes the stream.
 *
 * <p>JSON (a command's {@code media.stream}, the per-number default, the call row):
 * {@code {url, protocol: "twilio" | "native", format, tracks: ["inbound"], parameters: {name: text},
 * headers: {name: text}, onClose: "hangup" | "continue"}}; {@link #read} validates it naming every problem,
 * {@link #toJson()} writes the canonical form.
 *
 * @param url        {@code ws://} or {@code wss://}, no user info (credentials go in headers, never in URLs or logs)
 * @param protocol   Twilio's Media Streams (μ-law 8 kHz) or Callgate's native one (16-bit PCM, 16 or 24 kHz)
 * @param sampleRate the stream's audio rate: 8000 for {@code twilio}, 16000 or 24000 for {@code native}
 * @param parameters handed to the application in {@code start} ({@code customParameters} in Twilio's protocol)
 * @param headers    added to the WebSocket upgrade request; their values are never logged nor shown
 * @param onClose    when the application closes the stream mid-call: {@link OnClose#HANGUP} ends the call,
 *                   {@link OnClose#CONTINUE} leaves it up (silent)
 */
public record StreamSpec(URI url, Protocol protocol, int sampleRate, Map<String, String> parameters,
                         Map<String, String> headers, OnClose onClose) {

    /** What happens to the call when the application closes its stream. */
    public enum OnClose { HANGUP, CONTINUE }

    /** The wire protocol. */
    public enum Protocol {
        /** Twilio's bidirectional Media Streams: JSON text frames, μ-law 8000 Hz, base64. */
        TWILIO,
        /** Callgate's wideband protocol: JSON text frames for control, binary frames of 16-bit PCM. */
        NATIVE
    }

    /** The formats by name: {@code mulaw_8000} (Twilio), {@code pcm_16000} and {@code pcm_24000} (native). */
    static final Map<String, Integer> FORMATS = Map.of("mulaw_8000", 8000, "pcm_16000", 16000, "pcm_24000", 24000);
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    /** Headers the WebSocket handshake or Callgate's signature own: an application's spec cannot set them. */
    private static final Set<String> RESERVED = Set.of("host", "connection", "upgrade", "content-length",
            "transfer-encoding", StreamSignature.HEADER.toLowerCase(Locale.ROOT));

    public StreamSpec {
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        onClose = onClose == null ? OnClose.HANGUP : onClose;
        protocol = protocol == null ? Protocol.TWILIO : protocol;
        if (url == null || url.getScheme() == null
                || !("ws".equalsIgnoreCase(url.getScheme()) || "wss".equalsIgnoreCase(url.getScheme()))) {
            throw new IllegalArgumentException("the stream url must be ws:// or wss://");
        }
        if (url.getRawUserInfo() != null) {
            throw new IllegalArgumentException("the stream url must not carry credentials");
        }
        if (url.getHost() == null || url.getHost().isBlank()) {
            throw new IllegalArgumentException("the stream url has no host");
        }
        if (protocol == Protocol.TWILIO && sampleRate != 8000) {
            throw new IllegalArgumentException("the twilio protocol streams μ-law at 8000 Hz (format mulaw_8000)");
        }
        if (protocol == Protocol.NATIVE && sampleRate != 16000 && sampleRate != 24000) {
            throw new IllegalArgumentException("the native protocol streams 16-bit PCM at 16000 or 24000 Hz "
                    + "(format pcm_16000 or pcm_24000)");
        }
    }

    /** A Twilio-protocol stream without headers. */
    public StreamSpec(URI url, Map<String, String> parameters, OnClose onClose) {
        this(url, Protocol.TWILIO, 8000, parameters, Map.of(), onClose);
    }

    /** The URL as logs may show it: scheme, host, port and path, no query (it may hold a token). */
    public String safeUrl() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    /** The format's name, as JSON gives it. */
    public String format() {
        return protocol == Protocol.TWILIO ? "mulaw_8000" : "pcm_" + sampleRate;
    }

    /** Never the query nor the headers' values: they may hold credentials. */
    @Override
    public String toString() {
        return "StreamSpec[" + safeUrl() + ", " + protocol.name().toLowerCase(Locale.ROOT) + ", " + format()
                + ", headers " + headers.keySet() + ", onClose " + onClose.name().toLowerCase(Locale.ROOT) + "]";
    }

    boolean secure() {
        return "wss".equalsIgnoreCase(url.getScheme());
    }

    int port() {
        return url.getPort() > 0 ? url.getPort() : secure() ? 443 : 80;
    }

    String requestUri() {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    }

    /** The canonical JSON (what a call keeps). */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("url", url.toString());
        json.put("protocol", protocol.name().toLowerCase(Locale.ROOT));
        json.put("format", format());
        json.putArray("tracks").add("inbound");
        ObjectNode p = json.putObject("parameters");
        parameters.forEach(p::put);
        if (!headers.isEmpty()) {
            ObjectNode h = json.putObject("headers");
            headers.forEach(h::put);
        }
        json.put("onClose", onClose.name().toLowerCase(Locale.ROOT));
        return json;
    }

    /**
     * Reads a stream spec from JSON ({@code field} names it in the problems, e.g. {@code media.stream}).
     *
     * @throws IllegalArgumentException naming every problem, separated by "; "
     */
    public static StreamSpec read(JsonNode json, String field) {
        List<String> problems = new ArrayList<>();
        StreamSpec spec = read(json, field, problems);
        if (spec == null) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return spec;
    }

    /** As {@link #read(JsonNode, String)}, adding the problems to {@code problems} and returning null instead. */
    public static StreamSpec read(JsonNode json, String field, List<String> problems) {
        if (json == null || !json.isObject()) {
            problems.add(field + " must be an object: {url, protocol, format, tracks, parameters, headers, onClose}");
            return null;
        }
        int before = problems.size();
        URI uri = null;
        String url = text(json, "url");
        if (url == null) {
            problems.add(field + ".url is required: the application's ws:// or wss:// URL");
        } else {
            try {
                uri = new URI(url);
            } catch (java.net.URISyntaxException e) {
                problems.add(field + ".url is not a URL");
            }
        }
        String protocolName = text(json, "protocol");
        Protocol protocol = null;
        if (protocolName == null || "twilio".equals(protocolName)) {
            protocol = Protocol.TWILIO;
        } else if ("native".equals(protocolName)) {
            protocol = Protocol.NATIVE;
        } else {
            problems.add(field + ".protocol is \"twilio\" (Twilio Media Streams, μ-law 8 kHz) or \"native\" "
                    + "(16-bit PCM, 16 or 24 kHz)");
        }
        String format = text(json, "format");
        int rate = 0;
        if (format == null) {
            rate = protocol == Protocol.NATIVE ? 16000 : 8000;
        } else if (!FORMATS.containsKey(format)) {
            problems.add(field + ".format is mulaw_8000 (twilio), pcm_16000 or pcm_24000 (native)");
        } else {
            rate = FORMATS.get(format);
        }
        JsonNode tracks = json.get("tracks");
        if (tracks != null && !tracks.isNull()) {
            boolean inboundOnly = tracks.isArray() && tracks.size() == 1
                    && ("inbound".equals(tracks.get(0).asText()) || "inbound_track".equals(tracks.get(0).asText()));
            if (!inboundOnly) {
                problems.add(field + ".tracks is [\"inbound\"]: the user's audio (a bidirectional stream carries "
                        + "only the inbound track, as in Twilio's)");
            }
        }
        Map<String, String> parameters = textMap(json.get("parameters"), field + ".parameters", 32, 1000, problems);
        Map<String, String> headers = textMap(json.get("headers"), field + ".headers", 16, 4000, problems);
        headers.keySet().forEach(name -> {
            if (!TOKEN.matcher(name).matches() || RESERVED.contains(name.toLowerCase(Locale.ROOT))
                    || name.toLowerCase(Locale.ROOT).startsWith("sec-websocket-")) {
                problems.add(field + ".headers." + name + " is not a header an application may set");
            }
        });
        headers.forEach((name, value) -> {
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                problems.add(field + ".headers." + name + " holds control characters");
            }
        });
        String onCloseName = text(json, "onClose");
        OnClose onClose = OnClose.HANGUP;
        if ("continue".equals(onCloseName)) {
            onClose = OnClose.CONTINUE;
        } else if (onCloseName != null && !"hangup".equals(onCloseName)) {
            problems.add(field + ".onClose is \"hangup\" or \"continue\"");
        }
        if (problems.size() > before) {
            return null;
        }
        try {
            return new StreamSpec(uri, protocol, rate, parameters, headers, onClose);
        } catch (IllegalArgumentException e) {
            problems.add(field + ": " + e.getMessage());
            return null;
        }
    }

    private static Map<String, String> textMap(JsonNode node, String field, int maxEntries, int maxLength,
                                               List<String> problems) {
        Map<String, String> values = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return values;
        }
        if (!node.isObject() || node.size() > maxEntries) {
            problems.add(field + " is an object of at most " + maxEntries + " text values");
            return values;
        }
        node.fields().forEachRemaining(entry -> {
            if (!entry.getValue().isTextual() || entry.getValue().asText().length() > maxLength
                    || entry.getKey().isEmpty() || entry.getKey().length() > 100) {
                problems.add(field + "." + entry.getKey() + " must be text (at most " + maxLength + ")");
            } else {
                values.put(entry.getKey(), entry.getValue().asText());
            }
        });
        return values;
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() || !node.isValueNode() || node.asText().isBlank() ? null : node.asText();
    }
}
