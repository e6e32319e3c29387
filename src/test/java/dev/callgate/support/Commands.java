package dev.callgate.support;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Sends commands to {@code callgate.commands} with a real Kafka producer, as another service would. */
public final class Commands {

    private Commands() {
    }

    public static void send(String key, String json) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            producer.send(new ProducerRecord<>("callgate.commands", key, json)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send the command", e);
        }
    }

    public static String initiate(String commandId, String callRef, String phoneNumberId, String to, String media) {
        return """
                {"type":"call.initiate","commandId":"%s","callRef":"%s","phoneNumberId":"%s","to":"%s"%s}"""
                .formatted(commandId, callRef, phoneNumberId, to, media == null ? "" : ",\"media\":" + media);
    }

    public static String accept(String commandId, String callId, String media) {
        return """
                {"type":"call.accept","commandId":"%s","callId":"%s"%s}""".formatted(commandId, callId,
                media == null ? "" : ",\"media\":" + media);
    }

    public static String reject(String commandId, String callRef) {
        return """
                {"type":"call.reject","commandId":"%s","callRef":"%s"}""".formatted(commandId, callRef);
    }

    public static String terminate(String commandId, String callRef) {
        return """
                {"type":"call.terminate","commandId":"%s","callRef":"%s"}""".formatted(commandId, callRef);
    }
}
