package dev.callgate.cloudapi;

import java.time.Duration;

/** A {@link CloudApiConfig} for clients built by hand in tests (another token, no retries, short timeouts). */
record TestCloudApiConfig(String baseUrl, String version, String accessToken, Duration connectTimeout,
                          Duration readTimeout, int maxRetries, int maxConnects) implements CloudApiConfig {

    @Override
    public Retry retry() {
        return new Retry() {
            public int maxRetries() {
                return maxRetries;
            }

            public Duration initialBackoff() {
                return Duration.ofMillis(50);
            }

            public Duration maxBackoff() {
                return Duration.ofMillis(200);
            }

            public double jitter() {
                return 0.5;
            }
        };
    }

    @Override
    public ConnectLimit connectLimit() {
        return new ConnectLimit() {
            public int maxConnects() {
                return maxConnects;
            }

            public Duration window() {
                return Duration.ofHours(24);
            }
        };
    }
}
