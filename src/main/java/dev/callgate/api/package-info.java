/**
 * The public contract: command and event JSON types of {@code callgate.commands} and {@code callgate.events},
 * the REST facade {@code /v1/calls}, and their validation.
 *
 * <p>May use: {@code call}.
 */
package dev.callgate.api;
