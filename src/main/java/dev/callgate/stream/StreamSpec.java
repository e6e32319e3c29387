package dev.callgate.stream;

import java.net.URI;
import java.util.Map;

/**
 * Where and how a call's audio is streamed: the application's WebSocket URL, the custom parameters it gets in
 * {@code start}, and what happens to the call when the application closes the stream.
 *
 * @param url        {@code ws://} or {@code wss://}, no user info (credentials go in headers, never in URLs or logs)
 * @param parameters handed to the application in {@code start.customParameters}
 * @param onClose    when the application closes the stream mid-call: {@link OnClose#HANGUP} ends the call,
 *                   {@link OnClose#CONTINUE} leaves it up (silent)
 */
public record StreamSpec(URI url, Map<String, String> parameters, OnClose onClose) {

    /** What happens to the call when the application closes its stream. */
    public enum OnClose { HANGUP, CONTINUE }

    public StreamSpec {
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        onClose = onClose == null ? OnClose.HANGUP : onClose;
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
    }

    /** The URL as logs may show it: scheme, host, port and path, no query (it may hold a token). */
    public String safeUrl() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath());
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
}
