package dev.callgate.media;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measurement, not a test (the name keeps it out of the suite; nothing is asserted): native threads and CPU per
 * PeerConnection of one media back-end. A "gateway" pool and a "phone" pool, both on the back-end chosen by
 * {@code -Dcallgate.bench.shared=true|false}, in this JVM, carry {@code -Dcallgate.bench.calls} (10) calls sending
 * distinct tones both ways; threads and process CPU (/proc/self) before the first call and over a steady window are
 * compared and divided by the PeerConnections (2 per call). Run one back-end per JVM (see docs/benchmarks.md):
 *
 * <pre>
 * ./mvnw -o test -Dtest=MediaBackendMeasure -Dsurefire.failIfNoSpecifiedTests=false -Dcallgate.bench.shared=true
 * </pre>
 *
 * {@code -Dcallgate.bench.opus-fmtp="maxplaybackrate=16000;..."} gives every offer and answer that Opus {@code fmtp}
 * on its way to the other pool (libwebrtc sets each encoder from the far end's {@code fmtp}); by default they pass as
 * libwebrtc wrote them, which is what Meta's SDPs say ({@code minptime=10;useinbandfec=1}, spec §6).
 */
class MediaBackendMeasure {

    @TempDir
    Path recordings;

    @Test
    void measure() throws Exception {
        boolean shared = Boolean.getBoolean("callgate.bench.shared");
        int calls = Integer.getInteger("callgate.bench.calls", 10);
        int seconds = Integer.getInteger("callgate.bench.seconds", 20);
        String backEnd = shared ? "shared factory" : "slot per call";
        TestMediaConfig config = TestMediaConfig.of(calls + 1, recordings).withSharedFactory(shared)
                .withQualityInterval(java.time.Duration.ofSeconds(5));
        MediaWorkerPool gateway = new MediaWorkerPool(config);
        MediaWorkerPool phone = new MediaWorkerPool(config);
        try {
            Thread.sleep(2000);
            long threads0 = MediaWorkerPoolChurnTest.osThreads();
            Map<String, Long> byName0 = cpuTicksByName();
            long cpu0 = MediaWorkerPoolChurnTest.cpuMillis();
            long t0 = System.nanoTime();
            Thread.sleep(5000);
            double idlePct = pct(MediaWorkerPoolChurnTest.cpuMillis() - cpu0, System.nanoTime() - t0);

            for (int i = 0; i < calls; i++) {
                connect(gateway, phone, "m" + i, gatewayHz(i), phoneHz(i), System.getProperty("callgate.bench.opus-fmtp"));
            }
            for (int i = 0; i < calls; i++) {
                MediaWorkerPoolTest.awaitPoolHears(gateway, "m" + i, phoneHz(i));
                MediaWorkerPoolTest.awaitPoolHears(phone, "m" + i, gatewayHz(i));
            }
            Thread.sleep(3000);
            long threads1 = MediaWorkerPoolChurnTest.osThreads();
            Map<String, Long> byName1 = cpuTicksByName();
            long cpu1 = MediaWorkerPoolChurnTest.cpuMillis();
            long t1 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long wall = System.nanoTime() - t1;
            double callsPct = pct(MediaWorkerPoolChurnTest.cpuMillis() - cpu1, wall);
            Map<String, Long> byName2 = cpuTicksByName();

            int ok = 0;
            for (int i = 0; i < calls; i++) {
                AudioStats g = gateway.report("m" + i).orElseThrow().received();
                AudioStats p = phone.report("m" + i).orElseThrow().received();
                if (Math.abs(g.dominantHz() - phoneHz(i)) < 15 && Math.abs(p.dominantHz() - gatewayHz(i)) < 15) {
                    ok++;
                }
            }
            int pcs = 2 * calls;
            System.out.printf("MEASURE %s: %d calls (%d PeerConnections, both ends in this JVM), %d s window%n",
                    backEnd, calls, pcs, seconds);
            System.out.printf("MEASURE %s: threads %d -> %d: %+d, %.2f per PeerConnection%n", backEnd, threads0,
                    threads1, threads1 - threads0, (threads1 - threads0) / (double) pcs);
            System.out.printf("MEASURE %s: process CPU %.1f %% of a core idle, %.1f %% with the calls: %.2f %% per"
                    + " PeerConnection%n", backEnd, idlePct, callsPct, (callsPct - idlePct) / pcs);
            StringBuilder names = new StringBuilder();
            byName2.forEach((name, ticks) -> {
                double p = 100.0 * (ticks - byName1.getOrDefault(name, 0L)) / 100 / (wall / 1e9);
                if (p >= 0.3) {
                    names.append(String.format("%s=%.1f ", name, p));
                }
            });
            System.out.printf("MEASURE %s: CPU %% of a core by thread name: %s%n", backEnd, names);
            System.out.printf("MEASURE %s: threads before %s%n", backEnd, threadCount(byName0));
            System.out.printf("MEASURE %s: threads with calls %s%n", backEnd, MediaWorkerPoolChurnTest.threadNames());
            System.out.printf("MEASURE %s: %d of %d calls hear the right tone both ways%n", backEnd, ok, calls);
            SharedMedia g = gateway.sharedMediaIfOpen();
            if (g != null) {
                System.out.printf("MEASURE %s: gateway activations %d, module pulls %d (outside activations %d),"
                        + " late clock ticks %d%n", backEnd, g.activations(), g.modulePulls(), g.strayPulls(),
                        g.lateTicks());
            }
        } finally {
            gateway.shutdown();
            phone.shutdown();
        }
    }

    static double gatewayHz(int i) {
        return 400 + 100 * i;
    }

    static double phoneHz(int i) {
        return 1450 + 100 * i;
    }

    static double pct(long cpuMillis, long wallNanos) {
        return 100.0 * cpuMillis / (wallNanos / 1e6);
    }

    static String threadCount(Map<String, Long> byName) {
        return Integer.toString(byName.size()) + " names";
    }

    /** utime + stime ticks per thread name (digits stripped) from /proc/self/task. */
    static Map<String, Long> cpuTicksByName() throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String st = Files.readString(t.resolve("stat"));
                    String comm = st.substring(st.indexOf('(') + 1, st.lastIndexOf(')')).replaceAll("[#0-9-]+$", "")
                            .trim().replace(' ', '_');
                    String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
                    m.merge(comm, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // thread gone
                }
            }
        }
        return m;
    }

    /** Connects a call from {@code a} to {@code b}; each SDP's Opus {@code fmtp} replaced by {@code fmtp} if given. */
    private static void connect(MediaWorkerPool a, MediaWorkerPool b, String key, double aHz, double bHz, String fmtp)
            throws Exception {
        java.util.function.UnaryOperator<String> opus = sdp -> fmtp == null ? sdp
                : sdp.replaceAll("(?m)^a=fmtp:111 .*$", java.util.regex.Matcher.quoteReplacement("a=fmtp:111 " + fmtp));
        String offer = a.createOffer(key, MediaOptions.tone(aHz)).toCompletableFuture().get(30, SECONDS);
        String answer = b.createAnswer(key, opus.apply(offer), MediaOptions.tone(bHz)).toCompletableFuture()
                .get(30, SECONDS);
        a.applyAnswer(key, opus.apply(answer)).toCompletableFuture().get(30, SECONDS);
    }
}
