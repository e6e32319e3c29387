/**
 * Call permissions per (business number, user): status from the Cloud API and from permission-reply
 * webhooks, permission requests (free-form and template) and their limits.
 *
 * <p>May use: {@code cloudapi}, Hibernate Reactive Panache.
 */
package dev.callgate.permission;
