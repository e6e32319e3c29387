/**
 * The outgoing event contract's envelope: CloudEvents written as outbox rows inside the caller's transaction, for the
 * relay to publish to {@code callgate.events}.
 *
 * <p>May use: Hibernate Reactive Panache (the caller's session); nothing else of Callgate.
 */
package dev.callgate.events;
