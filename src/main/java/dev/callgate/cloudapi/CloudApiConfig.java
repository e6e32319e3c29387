package dev.callgate.cloudapi;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How Callgate reaches Meta's Graph API (or a Graph-compatible endpoint such as the simulator). */
@ConfigMapping(prefix = "callgate.cloudapi")
public interface CloudApiConfig {

    /** Base URL without version ({@code CALLGATE_CLOUDAPI_BASE_URL}). */
    @WithDefault("https://graph.facebook.com")
    String baseUrl();

    /** Graph API version in every path ({@code CALLGATE_CLOUDAPI_VERSION}). */
    @WithDefault("v23.0")
    String version();

    /** System-user access token sent as a bearer token ({@code CALLGATE_CLOUDAPI_ACCESS_TOKEN}). Never logged. */
    String accessToken();

    /** TCP connect timeout ({@code CALLGATE_CLOUDAPI_CONNECT_TIMEOUT}). */
    @WithDefault("3s")
    Duration connectTimeout();

    /** Time to wait for a response ({@code CALLGATE_CLOUDAPI_READ_TIMEOUT}). */
    @WithDefault("10s")
    Duration readTimeout();

    Retry retry();

    ConnectLimit connectLimit();

    /** Retries of idempotent actions on 5xx, 429 and connection errors: exponential backoff with jitter. */
    interface Retry {
        /** Attempts after the first ({@code CALLGATE_CLOUDAPI_RETRY_MAX_RETRIES}). */
        @WithDefault("3")
        int maxRetries();

        @WithDefault("200ms")
        Duration initialBackoff();

        @WithDefault("5s")
        Duration maxBackoff();

        /** Jitter factor between 0 and 1. */
        @WithDefault("0.5")
        double jitter();
    }

    /** Callgate's own cap on call initiations per business number, checked before a connect is sent. */
    interface ConnectLimit {
        /** Connects per window per business number ({@code CALLGATE_CLOUDAPI_CONNECT_LIMIT_MAX_CONNECTS}). */
        @WithDefault("10000")
        int maxConnects();

        /** The rolling window ({@code CALLGATE_CLOUDAPI_CONNECT_LIMIT_WINDOW}). */
        @WithDefault("24h")
        Duration window();
    }
}
