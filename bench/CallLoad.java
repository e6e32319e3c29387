// Load driver for business-initiated calls through a running Callgate and a Cloud API simulator (bench/call-load.sh
// runs them as two processes).
//   java bench/CallLoad.java [--url http://127.0.0.1:18081] [--simulator-url URL (default: --url)] [--api-key K]
//        [--calls 40] [--concurrency 10] [--talk-ms 4000] [--pid N (Callgate's, for RSS)]
// Each call: the simulated user (scripted through /simulator) answers after 300 ms, talks --talk-ms (tone 660 Hz),
// hangs up; the call is placed with POST /v1/calls (tone 1000 Hz). Reports outcomes, the calls up at once, Callgate's
// own latency quantiles from /q/metrics (connect overhead, answer apply, setup), how many calls were heard both ways
// (the phone's dominant received frequency is 1000 Hz, Callgate's is 660 Hz), and Callgate's RSS.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class CallLoad {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static String base;
    static String simulator;
    static String apiKey;

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the call threads are not daemons: without this a failed run would hang the script
        }
        System.exit(0);
    }

    static void run(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("url", "http://127.0.0.1:18081", "calls", "40",
                "concurrency", "10", "talk-ms", "4000", "pid", "", "api-key", ""));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        base = opt.get("url");
        simulator = opt.getOrDefault("simulator-url", base);
        apiKey = opt.get("api-key");
        int calls = Integer.parseInt(opt.get("calls"));
        int concurrency = Integer.parseInt(opt.get("concurrency"));
        long talk = Long.parseLong(opt.get("talk-ms"));
        String pid = opt.get("pid");
        long rssBefore = rss(pid);
        System.out.printf("# %s: %d calls, %d at a time, talk %d ms; %d cores; RSS before %d MB%n", base, calls,
                concurrency, talk, Runtime.getRuntime().availableProcessors(), rssBefore / 1024);

        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        AtomicInteger up = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        long[] peakRss = {rssBefore};
        Map<String, AtomicInteger> outcomes = new ConcurrentSkipListMap<>();
        AtomicInteger heardBoth = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            int n = i;
            done.add(pool.submit(() -> {
                String user = String.format("4917%09d", n + (System.nanoTime() % 1000) * 1000);
                String ref = "load-" + UUID.randomUUID();
                send("PUT", simulator + "/simulator/users/" + user,
                        "{\"answerAfterMs\":300,\"hangUpAfterMs\":" + talk + ",\"toneHz\":660}");
                send("POST", base + "/v1/calls", "{\"callRef\":\"" + ref + "\",\"phoneNumberId\":\"106540352242922\","
                        + "\"to\":\"" + user + "\",\"media\":{\"tone\":1000}}");
                boolean counted = false;
                boolean checked = false;
                while (true) {
                    String call = send("GET", base + "/v1/calls/" + ref, null);
                    String state = field(call, "state");
                    if (!counted && "ACTIVE".equals(state)) {
                        counted = true;
                        peak.accumulateAndGet(up.incrementAndGet(), Math::max);
                        synchronized (peakRss) {
                            peakRss[0] = Math.max(peakRss[0], rss(pid));
                        }
                    }
                    if (counted && !checked && "ACTIVE".equals(state)) {
                        String wacid = field(call, "whatsappCallId");
                        String report = send("GET", simulator + "/simulator/calls/" + java.net.URLEncoder.encode(wacid, java.nio.charset.StandardCharsets.UTF_8), null);
                        Matcher m = Pattern.compile("\"dominantHz\":([0-9.]+)").matcher(report);
                        Matcher ours = Pattern.compile("\"receivedDominantHz\":([0-9.]+)").matcher(call);
                        if (m.find() && Math.abs(Double.parseDouble(m.group(1)) - 1000) < 15
                                && ours.find() && Math.abs(Double.parseDouble(ours.group(1)) - 660) < 15) {
                            heardBoth.incrementAndGet();
                            checked = true;
                        }
                    }
                    if ("ENDED".equals(state)) {
                        if (counted) {
                            up.decrementAndGet();
                        }
                        outcomes.computeIfAbsent(field(call, "outcome"), k -> new AtomicInteger()).incrementAndGet();
                        return null;
                    }
                    Thread.sleep(100); // a polling client, not a test: pacing the GETs
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(10, TimeUnit.MINUTES);
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        String metrics = send("GET", base + "/q/metrics", null);
        System.out.printf("calls=%d in %.1f s  outcomes=%s  peak_active=%d  heard_both_ways=%d%n", calls, seconds,
                outcomes, peak.get(), heardBoth.get());
        for (String name : List.of("callgate_call_connect_overhead_seconds", "callgate_call_answer_apply_seconds",
                "callgate_call_setup_seconds")) {
            System.out.printf("%-40s p50=%s ms  p99=%s ms%n", name, ms(metrics, name, "0.5"), ms(metrics, name, "0.99"));
        }
        // the steps inside: the media pool's offer, the Graph connect request, the connect webhook's queueing
        System.out.printf("  steps: media offer ready p50=%s p99=%s ms | Graph connect p50=%s p99=%s ms"
                        + " | call webhook ingress→consumer p50=%s p99=%s ms%n",
                ms(metrics, "callgate_media_sdp_ready_seconds", "0.5", "sdp=\"offer\""),
                ms(metrics, "callgate_media_sdp_ready_seconds", "0.99", "sdp=\"offer\""),
                histogramMs(metrics, "callgate_cloudapi_latency_seconds", "action=\"connect\"", 0.5),
                histogramMs(metrics, "callgate_cloudapi_latency_seconds", "action=\"connect\"", 0.99),
                ms(metrics, "callgate_webhook_queued_seconds", "0.5"),
                ms(metrics, "callgate_webhook_queued_seconds", "0.99"));
        long rssAfter = rss(pid);
        if (rssBefore > 0) {
            System.out.printf("RSS before=%d MB  peak=%d MB  after=%d MB  (peak-before)/peak_active=%d kB  "
                            + "(after-before)/call=%d kB%n", rssBefore / 1024, peakRss[0] / 1024, rssAfter / 1024,
                    (peakRss[0] - rssBefore) / Math.max(1, peak.get()), (rssAfter - rssBefore) / calls);
        }
        System.exit(0);
    }

    static String ms(String metrics, String name, String quantile) {
        Matcher m = Pattern.compile(Pattern.quote(name) + "\\{[^}]*quantile=\"" + Pattern.quote(quantile)
                + "\"[^}]*\\} ([0-9.Ee+-]+)").matcher(metrics);
        return m.find() ? String.format(Locale.ROOT, "%.1f", Double.parseDouble(m.group(1)) * 1000) : "n/a";
    }

    static String ms(String metrics, String name, String quantile, String tag) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(tag) && line.contains("quantile=\"" + quantile + "\"")) {
                return String.format(Locale.ROOT, "%.1f", Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))
                        * 1000);
            }
        }
        return "n/a";
    }

    /** A quantile from a Prometheus histogram's buckets (upper bound of the bucket it falls in), in ms. */
    static String histogramMs(String metrics, String name, String tag, double q) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "_bucket{") && line.contains(tag)) {
                Matcher le = Pattern.compile("le=\"([^\"]+)\"").matcher(line);
                if (le.find() && !le.group(1).equals("+Inf")) {
                    buckets.put(Double.parseDouble(le.group(1)),
                            Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                }
            }
        }
        if (buckets.isEmpty()) {
            return "n/a";
        }
        double total = buckets.lastEntry().getValue();
        for (Map.Entry<Double, Double> b : buckets.entrySet()) {
            if (b.getValue() >= q * total) {
                return String.format(Locale.ROOT, "≤%.0f", b.getKey() * 1000);
            }
        }
        return "n/a";
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    static long rss(String pid) {
        if (pid == null || pid.isBlank()) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception ignored) {
        }
        return 0;
    }

    static String send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        if (!apiKey.isBlank() && path.startsWith(base + "/v1/")) {
            request = request.header("Authorization", "Bearer " + apiKey);
        }
        request = body == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 400) {
            throw new IllegalStateException(method + " " + path + " → " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }
}
