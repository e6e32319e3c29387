package dev.callgate.ingress;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;

/**
 * Counters of the ingress. {@code callgate.webhooks.received{field,result}} counts each change of a webhook by its
 * field ({@code calls}, {@code messages}, {@code other}) and what became of it; webhooks refused before their JSON
 * was read are counted with {@code field=unknown}.
 */
@ApplicationScoped
public class WebhookMetrics {

    /** What became of a webhook (or one change of it). */
    public enum Result {
        PUBLISHED, IGNORED, INVALID_SIGNATURE, TOO_LARGE, MALFORMED, PUBLISH_FAILED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A webhook refused as a whole before it was parsed. */
    void refused(Result result) {
        count("unknown", result);
    }

    /** A parsed webhook: each field is published when it yielded records, else ignored (or the given failure). */
    void parsed(SplitWebhook split, Result failure) {
        for (Map.Entry<String, Integer> field : split.itemsByField().entrySet()) {
            Result result = failure != null ? failure : field.getValue() > 0 ? Result.PUBLISHED : Result.IGNORED;
            count(field.getKey(), result);
        }
        if (split.ignoredItems() > 0) {
            registry.counter("callgate.webhook.items.ignored").increment(split.ignoredItems());
        }
    }

    private void count(String field, Result result) {
        registry.counter("callgate.webhooks.received", "field", field, "result", result.tag()).increment();
    }
}
