// Baseline for bench/call-load.sh: raw webrtc-java loopback pairs in one JVM (dev.callgate.media.AudioPeer, the same
// recipe the pool uses), no Callgate, no Kafka, no database. Takes the same options as CallLoad and reads --calls and
// --concurrency and --talk-ms: that many pairs, that many at once, each kept up --talk-ms after its two-way audio was
// measured; reports offer→connected and first-audio times, the pairs up at once, and RSS per pair.
//   java -cp 'target/bench-dev-app/lib/boot/*:target/bench-dev-app/lib/main/*:target/bench-dev-app/app/*' bench/LoopbackBaseline.java --calls 40 --concurrency 10
import dev.callgate.media.AudioPeer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.*;

public class LoopbackBaseline {

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("calls", "40", "concurrency", "10", "talk-ms", "1000"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int calls = Integer.parseInt(opt.get("calls"));
        int concurrency = Integer.parseInt(opt.get("concurrency"));
        long talk = Long.parseLong(opt.get("talk-ms"));
        java.util.concurrent.atomic.AtomicInteger up = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger peak = new java.util.concurrent.atomic.AtomicInteger();
        long rssBefore = rss();
        List<Long> connect = Collections.synchronizedList(new ArrayList<>());
        List<Long> audio = Collections.synchronizedList(new ArrayList<>());
        long[] peakRss = {rssBefore};
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            int n = i;
            done.add(pool.submit(() -> {
                try (AudioPeer a = AudioPeer.create("base-a" + n, 1000); AudioPeer b = AudioPeer.create("base-b" + n, 660)) {
                    long t0 = System.nanoTime();
                    String offer = a.createOffer().get(10, TimeUnit.SECONDS);
                    a.applyAnswer(b.acceptOffer(offer).get(10, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS);
                    a.connected().get(10, TimeUnit.SECONDS);
                    connect.add(System.nanoTime() - t0);
                    while (Math.abs(a.received().dominantHz() - 660) > 15 || Math.abs(b.received().dominantHz() - 1000) > 15) {
                        if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(10)) {
                            throw new IllegalStateException("no two-way audio within 10 s");
                        }
                        Thread.sleep(10); // a measuring loop, not a test
                    }
                    audio.add(System.nanoTime() - t0);
                    peak.accumulateAndGet(up.incrementAndGet(), Math::max);
                    synchronized (peakRss) {
                        peakRss[0] = Math.max(peakRss[0], rss());
                    }
                    Thread.sleep(talk); // keep the pair up like a call
                    up.decrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            try {
                f.get(5, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                e.printStackTrace();
                System.exit(1); // native threads would keep the JVM alive
            }
        }
        pool.shutdown();
        System.out.printf("loopback baseline: pairs=%d  %d at a time  offer→connected p50=%.1f ms p99=%.1f ms  "
                        + "two-way tones p50=%.1f ms p99=%.1f ms  peak pairs up=%d  RSS before=%d MB peak=%d MB "
                        + "(peak-before)/pair=%d kB%n",
                calls, concurrency, pct(connect, 50), pct(connect, 99), pct(audio, 50), pct(audio, 99), peak.get(),
                rssBefore / 1024, peakRss[0] / 1024, (peakRss[0] - rssBefore) / Math.max(1, peak.get()));
        System.exit(0);
    }

    static double pct(List<Long> values, double p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
    }

    static long rss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }
}
