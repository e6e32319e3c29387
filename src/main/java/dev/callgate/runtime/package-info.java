/**
 * Plumbing shared by the other packages: running reactive work on the fresh, safe Vert.x contexts Hibernate Reactive
 * needs ({@link dev.callgate.runtime.SafeContext}), and periodically, one run at a time
 * ({@link dev.callgate.runtime.Periodic}).
 *
 * <p>May use: Vert.x, Mutiny, Quarkus' context helpers; nothing else of Callgate.
 */
package dev.callgate.runtime;
