/**
 * Instances of Callgate side by side: this process's name and epoch ({@link dev.callgate.cluster.Instance}), the lease
 * that makes it the only process running as that name ({@link dev.callgate.cluster.InstanceLease}: a PostgreSQL
 * advisory lock on a connection of its own; a twin is refused, a fenced process exits; each process that takes it
 * bumps the instance's epoch, which a call's media ownership records), and where a new call's media goes
 * ({@link dev.callgate.cluster.MediaPlacement}: here, or on the live instance with the most room when this one is
 * draining or full).
 *
 * <p>May use: {@code call} (its configuration), {@code media} (this instance's pool: capacity, draining), the reactive
 * PostgreSQL client and Hibernate Reactive Panache (the {@code instances} table).
 */
package dev.callgate.cluster;
