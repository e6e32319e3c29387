/**
 * Call permissions: the state per (business number, user) — {@code no_permission | temporary | permanent} — fed by the
 * {@code call_permission_reply} webhooks, {@code GET call_permissions} and call outcomes; call permission requests
 * with spec §2.2's limits checked before Meta is asked, and their failed message statuses; the permission events on {@code callgate.events}.
 *
 * <p>May use: {@code cloudapi}; {@code outbox}; {@code runtime}; the {@code callgate.webhooks} contract
 * ({@link dev.callgate.contract.WebhookRecord}); Hibernate Reactive Panache; reads of the {@code calls} table (counts) and of
 * {@code call_events} (whether a request was answered).
 */
package dev.callgate.permission;
