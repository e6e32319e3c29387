/**
 * Calling settings of a business number (spec §3): validated here with every problem named before they are sent,
 * then read and written through the Cloud API.
 *
 * <p>May use: {@code cloudapi}.
 */
package dev.callgate.settings;
