/**
 * Plumbing shared by the other packages: running reactive work on the fresh, safe Vert.x contexts Hibernate Reactive
 * needs ({@link dev.callgate.runtime.SafeContext}), and periodically, one run at a time
 * ({@link dev.callgate.runtime.Periodic}); telling a database failure that a retry cannot fix from one that may pass
 * ({@link dev.callgate.runtime.StoreFailures}) and retrying work until PostgreSQL takes it
 * ({@link dev.callgate.runtime.StoreRetry}: the consumers, effect results, media signals, permission results); a
 * Kafka consumer's records worked per call, in order per call and in parallel across calls
 * ({@link dev.callgate.runtime.CallLanes}).
 *
 * <p>May use: Vert.x, Mutiny, Quarkus' context and config helpers, Micrometer, Reactive Messaging's {@code Message}, the database drivers' and Hibernate's
 * exception types, the OpenTelemetry context API (a record's trace goes with its work); nothing else of Callgate.
 */
package dev.callgate.runtime;
