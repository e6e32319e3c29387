package dev.callgate.simulator;

import org.jboss.logging.Logger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Posts webhooks like Meta: signed with {@code X-Hub-Signature-256} over the exact bytes, retried with exponential
 * backoff on anything but 200, and delivered in order per call (unless a chaos switch says otherwise).
 */
final class WebhookDelivery {

    private static final Logger LOG = Logger.getLogger(WebhookDelivery.class);

    /** One webhook and what became of it. */
    static final class Record {
        final String kind;
        final String body;
        final Instant queuedAt = Instant.now();
        volatile Instant deliveredAt;
        volatile int attempts;
        volatile int lastStatus;
        volatile boolean givenUp;

        Record(String kind, String body) {
            this.kind = kind;
            this.body = body;
        }

        Map<String, Object> report() {
            return Map.of("kind", kind, "queuedAt", queuedAt.toString(),
                    "deliveredAt", deliveredAt == null ? "" : deliveredAt.toString(), "attempts", attempts,
                    "lastStatus", lastStatus, "givenUp", givenUp);
        }
    }

    private final SimulatorConfig.Webhook config;
    private final ScheduledExecutorService scheduler;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SecretKeySpec key;
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    volatile Chaos chaos = Chaos.NONE;

    /** The chaos switches of spec §8.4. */
    record Chaos(boolean duplicate, boolean reorder, boolean connectBeforeResponse, long delayMs) {
        static final Chaos NONE = new Chaos(false, false, false, 0);
    }

    WebhookDelivery(SimulatorConfig.Webhook config, ScheduledExecutorService scheduler) {
        this.config = config;
        this.scheduler = scheduler;
        this.key = new SecretKeySpec(config.appSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** Queues a webhook behind the earlier ones of the same key; completes once delivered (or given up). */
    CompletableFuture<Void> send(String orderingKey, Record record) {
        CompletableFuture<Void> next = tails.compute(orderingKey, (k, tail) -> {
            CompletableFuture<Void> previous = tail == null ? CompletableFuture.completedFuture(null) : tail;
            return previous.handle((ok, error) -> null).thenCompose(ignored -> deliverWithChaos(record));
        });
        next.whenComplete((ok, error) -> tails.remove(orderingKey, next));
        return next;
    }

    private CompletableFuture<Void> deliverWithChaos(Record record) {
        Chaos current = chaos;
        CompletableFuture<Void> delayed = current.delayMs() > 0
                ? CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(current.delayMs(), TimeUnit.MILLISECONDS, scheduler))
                : CompletableFuture.completedFuture(null);
        CompletableFuture<Void> delivered = delayed.thenCompose(v -> deliver(record, 1));
        return current.duplicate() ? delivered.thenCompose(v -> deliver(new Record(record.kind + " (duplicate)",
                record.body), 1)) : delivered;
    }

    private CompletableFuture<Void> deliver(Record record, int attempt) {
        byte[] body = record.body.getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.url()))
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", signature(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        record.attempts = attempt;
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    int status = error != null ? -1 : response.statusCode();
                    record.lastStatus = status;
                    if (status == 200) {
                        record.deliveredAt = Instant.now();
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (attempt >= config.maxAttempts()) {
                        record.givenUp = true;
                        LOG.errorf("simulator: webhook %s given up after %d attempts (last status %d)", record.kind,
                                attempt, status);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    long backoff = Math.min(config.maxBackoff().toMillis(),
                            config.initialBackoff().toMillis() << Math.min(attempt - 1, 20));
                    LOG.warnf("simulator: webhook %s answered %d (%s); retry %d in %d ms", record.kind, status,
                            error == null ? "" : error.toString(), attempt + 1, backoff);
                    return CompletableFuture.runAsync(() -> { },
                                    CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS, scheduler))
                            .thenCompose(v -> deliver(record, attempt + 1));
                })
                .thenCompose(f -> f);
    }

    String signature(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
