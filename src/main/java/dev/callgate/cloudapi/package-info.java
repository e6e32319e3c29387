/**
 * Typed, non-blocking client of Meta's Graph API for calling: calls (connect, pre_accept, accept, reject,
 * terminate), call permissions, settings and permission-request messages; the Graph error envelope as typed errors;
 * retries (a retried action Meta had already carried out is a success), timeouts and the per-number initiation limit;
 * how Meta names a user (phone number or business-scoped user id).
 *
 * <p>May use: the Quarkus REST client, Jackson, Micrometer, Hibernate Reactive Panache (the connect limit shared
 * through PostgreSQL); {@code runtime}'s {@code CallLog} (users' numbers in logs). Nothing else of Callgate.
 */
package dev.callgate.cloudapi;
