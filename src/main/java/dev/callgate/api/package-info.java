/**
 * The public contract: command and event JSON types of {@code callgate.commands} and {@code callgate.events},
 * the REST facade {@code /v1/calls}, and their validation.
 *
 * <p>May use: {@code call}; {@code media} for the live report of a call's media.
 */
package dev.callgate.api;
