/**
 * Plumbing shared by the other packages: running reactive work periodically, one run at a time, on the fresh, safe
 * Vert.x contexts Hibernate Reactive needs.
 *
 * <p>May use: Vert.x, Mutiny, Quarkus' context helpers; nothing else of Callgate.
 */
package dev.callgate.runtime;
