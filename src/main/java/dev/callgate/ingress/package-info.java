/**
 * Webhook ingress: the {@code GET/POST /webhooks/whatsapp} endpoint Meta calls. Verifies the subscription
 * handshake and the {@code X-Hub-Signature-256} HMAC over the raw body, splits a webhook into one record per call
 * event, call status and call-permission reply, and publishes them to {@code callgate.webhooks}; it answers 200 only
 * once Kafka has acknowledged every record (503 otherwise, so Meta retries).
 *
 * <p>May use: {@code contract} (the records it publishes), the {@code webhooks-out} channel's Kafka producer
 * (SmallRye's {@code KafkaClientService}), Vert.x Web (the delivery route), JAX-RS (the handshake), Jackson, Micrometer,
 * {@code tracing} (a producer span per record, its context in the record's headers).
 * No database, no Cloud API.
 */
package dev.callgate.ingress;
