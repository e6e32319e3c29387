/**
 * The records on Callgate's topics that more than one package reads or writes: {@code callgate.webhooks} records
 * ({@link dev.callgate.contract.WebhookRecord}: written by the ingress, read by the call flow and permissions) and
 * the types of the lifecycle events on {@code callgate.events} ({@link dev.callgate.contract.CallEventType}).
 *
 * <p>May use: Jackson's annotations and tree types; nothing else of Callgate.
 */
package dev.callgate.contract;
