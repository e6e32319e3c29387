package dev.callgate.ingress;

import dev.callgate.contract.WebhookRecord;

import java.util.List;
import java.util.Map;

/**
 * A webhook cut into the records to publish, with what was left out.
 *
 * @param records      one record per call event, call status and permission reply, in webhook order
 * @param itemsByField per change field ({@code calls}, {@code messages}, {@code other}), how many items it held
 *                     that were published; a field with zero published items was acknowledged and ignored
 * @param ignoredItems items that are not ours (message statuses, text messages, …): acknowledged, not published
 */
public record SplitWebhook(List<WebhookRecord> records, Map<String, Integer> itemsByField, int ignoredItems) {
}
