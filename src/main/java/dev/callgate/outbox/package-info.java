/**
 * The outbox (Debezium's pattern): {@link dev.callgate.outbox.EventOutbox} writes a CloudEvent for
 * {@code callgate.events} as a row inside the caller's transaction; {@link dev.callgate.outbox.OutboxRelay} — one
 * instance at a time, under a PostgreSQL advisory lock — publishes the rows in order, so the events of one call leave
 * in the order they were committed, whichever instance relays.
 *
 * <p>May use: {@code call} (its configuration), {@code runtime}, {@code tracing}, Hibernate Reactive Panache, the Kafka
 * emitter.
 */
package dev.callgate.outbox;
