// Summarises a JFR recording of a loaded JVM (JDK 17 has no `jfr view`): where the CPU goes, what allocates, and how
// busy each kind of thread was. Single-file Java program (JDK 17+, no dependencies):
//   java bench/JfrSummary.java target/bench/ingress-only.jfr [--top 40] [--focus dev.callgate.]
// Prints:
//   threads    per thread group (digits of names folded: vert.x-eventloop-thread-#): average CPU (jdk.ThreadCPULoad, user
//              + system, % of one core), Java execution samples and native samples (a native sample in epoll_wait is an
//              idle event loop), bytes allocated (jdk.ThreadAllocationStatistics)
//   self       the top frames of the execution samples (where the CPU is spent)
//   inclusive  every method on a sampled stack, counted once per sample (what the CPU is spent under), all threads
//              and the event loops alone
//   focus      the same, only methods whose class starts with --focus (the application's own code)
//   allocation jdk.ObjectAllocationSample by weight: per allocated class, per top frame, and inclusive per method
//   gc         pauses and collections
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.function.Predicate;

public class JfrSummary {

    static int top = 40;

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String focus = "dev.callgate.";
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--top" -> top = Integer.parseInt(args[i + 1]);
                case "--focus" -> focus = args[i + 1];
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Instant first = null;
        Instant last = null;
        Map<String, Group> groups = new TreeMap<>();
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> inclusive = new HashMap<>();
        Map<String, Long> inclusiveLoops = new HashMap<>();
        Map<String, Long> allocClass = new HashMap<>();
        Map<String, Long> allocTop = new HashMap<>();
        Map<String, Long> allocInclusive = new HashMap<>();
        Map<String, Long> nativeTop = new HashMap<>();
        Map<String, Long> threadAllocated = new HashMap<>();
        long samples = 0;
        long loopSamples = 0;
        long allocTotal = 0;
        long gcCount = 0;
        Duration gcPause = Duration.ZERO;
        Duration gcLongest = Duration.ZERO;
        for (RecordedEvent e : events) {
            String type = e.getEventType().getName();
            if (first == null || e.getStartTime().isBefore(first)) {
                first = e.getStartTime();
            }
            if (last == null || e.getEndTime().isAfter(last)) {
                last = e.getEndTime();
            }
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    String group = group(e.getThread("sampledThread"));
                    groups.computeIfAbsent(group, Group::new).javaSamples++;
                    samples++;
                    boolean loop = group.contains("eventloop");
                    if (loop) {
                        loopSamples++;
                    }
                    List<RecordedFrame> frames = frames(e.getStackTrace());
                    if (!frames.isEmpty()) {
                        self.merge(name(frames.get(0)), 1L, Long::sum);
                    }
                    for (String m : distinct(frames)) {
                        inclusive.merge(m, 1L, Long::sum);
                        if (loop) {
                            inclusiveLoops.merge(m, 1L, Long::sum);
                        }
                    }
                }
                case "jdk.NativeMethodSample" -> {
                    String group = group(e.getThread("sampledThread"));
                    groups.computeIfAbsent(group, Group::new).nativeSamples++;
                    List<RecordedFrame> frames = frames(e.getStackTrace());
                    if (!frames.isEmpty()) {
                        nativeTop.merge(group + "  " + name(frames.get(0)), 1L, Long::sum);
                    }
                }
                case "jdk.ThreadCPULoad" -> {
                    RecordedThread t = e.getThread("eventThread");
                    if (t != null) { // a native thread that ended before the event was written
                        Group g = groups.computeIfAbsent(group(t), Group::new);
                        g.cpu += e.getFloat("user") + e.getFloat("system");
                        g.cpuEvents++;
                        g.threads.add(String.valueOf(t.getJavaName()));
                    }
                }
                case "jdk.ThreadAllocationStatistics" -> {
                    RecordedThread t = e.getThread("thread");
                    if (t != null) {
                        threadAllocated.merge(group(t) + "\u0000" + t.getJavaThreadId(), e.getLong("allocated"),
                                Math::max);
                    }
                }
                case "jdk.ObjectAllocationSample" -> {
                    long weight = e.getLong("weight");
                    allocTotal += weight;
                    allocClass.merge(e.getClass("objectClass").getName(), weight, Long::sum);
                    List<RecordedFrame> frames = frames(e.getStackTrace());
                    if (!frames.isEmpty()) {
                        allocTop.merge(name(frames.get(0)), weight, Long::sum);
                    }
                    for (String m : distinct(frames)) {
                        allocInclusive.merge(m, weight, Long::sum);
                    }
                }
                case "jdk.GarbageCollection" -> {
                    gcCount++;
                    gcPause = gcPause.plus(e.getDuration("sumOfPauses"));
                    if (e.getDuration("longestPause").compareTo(gcLongest) > 0) {
                        gcLongest = e.getDuration("longestPause");
                    }
                }
                default -> {
                }
            }
        }
        threadAllocated.forEach((k, v) -> groups.computeIfAbsent(k.substring(0, k.indexOf('\u0000')), Group::new)
                .allocated += v);
        double seconds = Duration.between(first, last).toMillis() / 1000.0;
        System.out.printf(Locale.ROOT, "# %s: %.1f s, %d execution samples (%d on event loops), %.0f MB sampled "
                + "allocation weight (%.0f MB/s)%n", file, seconds, samples, loopSamples, allocTotal / 1e6,
                allocTotal / 1e6 / seconds);

        System.out.println("\n## threads (CPU: average of jdk.ThreadCPULoad, % of one core, summed over the group's threads)");
        System.out.printf("%-52s %8s %8s %8s %10s%n", "group (threads)", "cpu%", "java", "native", "alloc MB");
        groups.values().stream().sorted(Comparator.comparingDouble((Group g) -> -g.cpuPercent())
                        .thenComparingLong(g -> -g.javaSamples))
                .filter(g -> g.javaSamples + g.nativeSamples > 0 || g.cpuPercent() >= 0.5)
                .forEach(g -> System.out.printf(Locale.ROOT, "%-52s %8.1f %8d %8d %10.0f%n",
                        g.name + " (" + Math.max(1, g.threads.size()) + ")", g.cpuPercent(), g.javaSamples,
                        g.nativeSamples, g.allocated / 1e6));
        print("native samples: top frame per thread group (epoll_wait/poll = waiting for work)", nativeTop,
                nativeTop.values().stream().mapToLong(Long::longValue).sum(), 15, false);
        print("self: top frames of the execution samples", self, samples, top, false);
        print("inclusive: methods on the sampled stacks, all threads", inclusive, samples, top, false);
        print("inclusive: methods on the sampled stacks, event loops only", inclusiveLoops, loopSamples, top, false);
        String prefix = focus;
        print("focus: " + focus + " methods, inclusive, all threads", filter(inclusive, k -> k.startsWith(prefix)),
                samples, top, false);
        print("allocation by class (sampled weight)", allocClass, allocTotal, 25, true);
        print("allocation by top frame", allocTop, allocTotal, 25, true);
        print("allocation inclusive by method", allocInclusive, allocTotal, top, true);
        print("allocation, " + focus + " methods, inclusive", filter(allocInclusive, k -> k.startsWith(prefix)),
                allocTotal, top, true);
        System.out.printf(Locale.ROOT, "%n## gc%n%d collections, %d ms paused in all, longest pause %.1f ms%n",
                gcCount, gcPause.toMillis(), gcLongest.toNanos() / 1e6);
    }

    static final class Group {
        final String name;
        final Set<String> threads = new TreeSet<>();
        long javaSamples;
        long nativeSamples;
        double cpu;
        long cpuEvents;
        long allocated;

        Group(String name) {
            this.name = name;
        }

        /** Sum over the threads of their average load: events come per thread, so average per thread, then sum. */
        double cpuPercent() {
            return threads.isEmpty() ? 0 : 100.0 * cpu / cpuEvents * threads.size();
        }
    }

    static String group(RecordedThread thread) {
        if (thread == null) {
            return "?";
        }
        String name = thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName();
        return name == null ? "?" : name.replaceAll("\\d+", "#");
    }

    static List<RecordedFrame> frames(RecordedStackTrace trace) {
        return trace == null ? List.of() : trace.getFrames();
    }

    static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    static Set<String> distinct(List<RecordedFrame> frames) {
        Set<String> names = new HashSet<>();
        for (RecordedFrame frame : frames) {
            names.add(name(frame));
        }
        return names;
    }

    static Map<String, Long> filter(Map<String, Long> map, Predicate<String> keep) {
        Map<String, Long> out = new HashMap<>();
        map.forEach((k, v) -> {
            if (keep.test(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    static void print(String title, Map<String, Long> counts, long total, int limit, boolean bytes) {
        System.out.printf("%n## %s%n", title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(limit)
                .forEach(e -> System.out.printf(Locale.ROOT, "%6.1f%%  %10s  %s%n",
                        total == 0 ? 0 : 100.0 * e.getValue() / total,
                        bytes ? String.format(Locale.ROOT, "%.1f MB", e.getValue() / 1e6) : e.getValue(),
                        e.getKey()));
    }
}
