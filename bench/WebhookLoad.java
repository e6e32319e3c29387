// Load driver for Callgate's webhook ingress. Single-file Java program (JDK 17+, no dependencies):
//   java bench/WebhookLoad.java [--url http://127.0.0.1:8080/webhooks/whatsapp] [--secret S] [--verify-token T]
//        [--seconds 20] [--warmup 5] [--concurrency 32] [--scenario all|handshake|unsigned|signed]
// Scenarios, measured one after the other in the same run:
//   handshake  GET with the verify token: the HTTP stack alone (baseline)
//   unsigned   POST with a wrong signature: body read + HMAC, answered 401, nothing published (baseline)
//   signed     POST of a signed call-status webhook (unique call id each): HMAC, split, publish, 200 after Kafka ack
// Prints one line per scenario: requests, requests/s, latency p50/p90/p99/max in ms, status counts.
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicLong;

public class WebhookLoad {

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("url", "http://127.0.0.1:8080/webhooks/whatsapp",
                "secret", "bench-app-secret", "verify-token", "bench-verify-token", "seconds", "20",
                "warmup", "5", "concurrency", "32", "scenario", "all"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<String> scenarios = opt.get("scenario").equals("all")
                ? List.of("handshake", "unsigned", "signed") : List.of(opt.get("scenario"));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(2)).connectTimeout(Duration.ofSeconds(5)).build();
        System.out.printf("# %s, concurrency %s, %ss measured after %ss warm-up, java %s, %d cores%n",
                opt.get("url"), opt.get("concurrency"), opt.get("seconds"), opt.get("warmup"),
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        for (String scenario : scenarios) {
            Load load = new Load(client, opt, scenario);
            load.run(Integer.parseInt(opt.get("warmup")), false);
            System.out.println(load.run(Integer.parseInt(opt.get("seconds")), true));
        }
        System.exit(0);
    }

    static final class Load {
        final HttpClient client;
        final Map<String, String> opt;
        final String scenario;
        final SecretKeySpec key;
        final AtomicLong sequence = new AtomicLong();

        Load(HttpClient client, Map<String, String> opt, String scenario) {
            this.client = client;
            this.opt = opt;
            this.scenario = scenario;
            this.key = new SecretKeySpec(opt.get("secret").getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        }

        HttpRequest request() throws Exception {
            URI uri = URI.create(opt.get("url"));
            if (scenario.equals("handshake")) {
                return HttpRequest.newBuilder(URI.create(uri + "?hub.mode=subscribe&hub.verify_token="
                        + opt.get("verify-token") + "&hub.challenge=" + sequence.incrementAndGet())).GET().build();
            }
            String callId = "wacid.bench" + UUID.randomUUID().toString().replace("-", "");
            byte[] body = ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\","
                    + "\"changes\":[{\"field\":\"calls\",\"value\":{\"messaging_product\":\"whatsapp\","
                    + "\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"106540352242922\"},"
                    + "\"statuses\":[{\"id\":\"" + callId + "\",\"timestamp\":\"" + (System.currentTimeMillis() / 1000)
                    + "\",\"type\":\"call\",\"status\":\"RINGING\",\"recipient_id\":\"4915112345678\"}]}}]}]}")
                    .getBytes(StandardCharsets.UTF_8);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
            if (scenario.equals("unsigned")) {
                signature = "sha256=" + "0".repeat(64);
            }
            return HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .header("X-Hub-Signature-256", signature)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        }

        String run(int seconds, boolean measured) throws Exception {
            int concurrency = Integer.parseInt(opt.get("concurrency"));
            Semaphore slots = new Semaphore(concurrency);
            long[] latencies = new long[4_000_000];
            AtomicLong count = new AtomicLong();
            Map<Integer, AtomicLong> statuses = new ConcurrentSkipListMap<>();
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                slots.acquire();
                HttpRequest request = request();
                long sent = System.nanoTime();
                client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                    long took = System.nanoTime() - sent;
                    int status = error != null ? -1 : response.statusCode();
                    statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                    long n = count.getAndIncrement();
                    if (n < latencies.length) {
                        latencies[(int) n] = took;
                    }
                    slots.release();
                });
            }
            slots.acquire(concurrency); // wait for the requests in flight
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (!measured) {
                return "";
            }
            int n = (int) Math.min(count.get(), latencies.length);
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            return String.format(Locale.ROOT,
                    "%-9s requests=%d  rps=%.0f  p50=%.2fms  p90=%.2fms  p99=%.2fms  max=%.2fms  statuses=%s",
                    scenario, n, n / elapsed, pct(sorted, 50), pct(sorted, 90), pct(sorted, 99),
                    n == 0 ? 0 : sorted[n - 1] / 1e6, statuses);
        }

        static double pct(long[] sorted, double p) {
            if (sorted.length == 0) {
                return 0;
            }
            int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
        }
    }
}
