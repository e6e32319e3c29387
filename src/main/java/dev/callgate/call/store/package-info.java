/**
 * The call tables as PostgreSQL holds them: {@link dev.callgate.call.store.Call} (the call row, the truth, with an
 * optimistic version), {@link dev.callgate.call.store.CallEvent} (every webhook record once per dedup id; a U+0000
 * escaped as it is read, {@link dev.callgate.call.store.NulCharacters}, its text as received kept beside it),
 * {@link dev.callgate.call.store.CallTimers} (durable timers on the database's clock),
 * {@link dev.callgate.call.store.Retention} (pruning of the rows kept only for a while) and
 * {@link dev.callgate.call.store.CallCensus} (the open calls by state and their deadlines, as gauges).
 *
 * <p>May use: {@code call}, {@code contract}, {@code runtime}, Hibernate Reactive Panache, Micrometer.
 */
package dev.callgate.call.store;
