// Baseline for bench/ingress-vs-ideal.sh: the least a webhook ingress has to do, with the same libraries Callgate runs
// on and nothing else: a bare Vert.x HTTP server (no Quarkus, no RESTEasy, no CDI, no metrics), HMAC-SHA256 of the raw
// body checked against X-Hub-Signature-256 in constant time, the raw body sent to callgate.webhooks with a plain
// KafkaProducer, and 200 answered from the send's callback (the broker's ack). 401 for a wrong signature, 503 when the
// send fails. Run with the packaged app's classpath (Vert.x 4 and kafka-clients come from there):
//   java -cp 'target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*:target/quarkus-app/app/*' \
//        bench/IdealIngress.java --port 18090 --secret bench-app-secret --bootstrap 127.0.0.1:9092
// Options: --topic callgate.webhooks, --event-loops (default 2 x cores, Quarkus's default), --linger-ms 1,
// --batch-size 16384, --compression none (the service's producer settings, application.properties: acks=all,
// enable.idempotence=true, linger.ms=1, max.block.ms=2000, request.timeout.ms=2000, delivery.timeout.ms=2500,
// batch.size and compression left at Kafka's defaults), --key scan|none.
// Deliberately left out, compared with Callgate: no JSON parsing or splitting into records, no dedup hash, no
// re-serialisation (the record's value is the webhook's raw bytes), one record per webhook. The key is the call id like
// Callgate's (WebhookSplitter keys call events and call statuses by the item's "id", the wacid): found by a byte
// scan for the first "id":"wacid. in the body (--key scan), not by parsing.
// GET /ready answers 200 once the producer has the topic's metadata.
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

public class IdealIngress {

    static final byte[] CALL_ID_MARK = "\"id\":\"wacid.".getBytes(StandardCharsets.US_ASCII);
    static final Buffer OK = Buffer.buffer("{\"published\":1,\"ignored\":0}");

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("port", "18090", "secret", "bench-app-secret",
                "bootstrap", "127.0.0.1:9092", "topic", "callgate.webhooks",
                "event-loops", String.valueOf(2 * Runtime.getRuntime().availableProcessors()), "linger-ms", "1",
                "batch-size", "16384", "compression", "none", "key", "scan"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, opt.get("bootstrap"));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "ideal-ingress");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, opt.get("linger-ms"));
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, opt.get("batch-size"));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, opt.get("compression"));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "2500");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "10000"); // what SmallRye sets when unset
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer());
        String topic = opt.get("topic");
        producer.partitionsFor(topic); // metadata now, so no send() blocks for it later

        SecretKeySpec key = new SecretKeySpec(opt.get("secret").getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        ThreadLocal<Mac> macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        boolean scanKey = opt.get("key").equals("scan");
        int loops = Integer.parseInt(opt.get("event-loops"));
        int port = Integer.parseInt(opt.get("port"));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        CountDownLatch listening = new CountDownLatch(1);
        vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start() {
                vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1"))
                        .requestHandler(request -> handle(request, producer, topic, macs, scanKey))
                        .listen();
            }
        }, new DeploymentOptions().setInstances(loops)).onComplete(done -> {
            if (done.failed()) {
                done.cause().printStackTrace();
                System.exit(1);
            }
            listening.countDown();
        });
        listening.await();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> producer.close()));
        System.out.printf("ideal ingress on 127.0.0.1:%d: %d event loops, topic %s, producer acks=all idempotent "
                        + "linger.ms=%s batch.size=%s compression=%s, key=%s%n", port, loops, topic,
                opt.get("linger-ms"), opt.get("batch-size"), opt.get("compression"), opt.get("key"));
    }

    static void handle(HttpServerRequest request, KafkaProducer<String, byte[]> producer, String topic,
                       ThreadLocal<Mac> macs, boolean scanKey) {
        if (request.method().name().equals("GET")) {
            request.response().end("ready");
            return;
        }
        String header = request.getHeader("X-Hub-Signature-256");
        request.body().onSuccess(buffer -> {
            byte[] body = buffer.getBytes();
            if (!valid(header, body, macs.get())) {
                request.response().setStatusCode(401).end();
                return;
            }
            Context context = Vertx.currentContext();
            producer.send(new ProducerRecord<>(topic, scanKey ? callId(body) : null, body), (metadata, failure) ->
                    context.runOnContext(ignored -> {
                        if (failure == null) {
                            request.response().putHeader("Content-Type", "application/json").end(OK);
                        } else {
                            request.response().setStatusCode(503).end();
                        }
                    }));
        });
    }

    static boolean valid(String header, byte[] body, Mac mac) {
        if (header == null || header.length() != 71 || !header.startsWith("sha256=")) {
            return false;
        }
        byte[] claimed;
        try {
            claimed = HexFormat.of().parseHex(header, 7, 71);
        } catch (IllegalArgumentException notHex) {
            return false;
        }
        return MessageDigest.isEqual(mac.doFinal(body), claimed);
    }

    /** The value of the first {@code "id":"wacid.…"} in the body (no JSON parsing), or null. */
    static String callId(byte[] body) {
        outer:
        for (int i = 0; i + CALL_ID_MARK.length <= body.length; i++) {
            for (int j = 0; j < CALL_ID_MARK.length; j++) {
                if (body[i + j] != CALL_ID_MARK[j]) {
                    continue outer;
                }
            }
            int start = i + 6; // after "id":"
            int end = start;
            while (end < body.length && body[end] != '"') {
                end++;
            }
            return new String(body, start, end - start, StandardCharsets.UTF_8);
        }
        return null;
    }
}
