// Voice-agent streams: the latency Callgate adds between a call's media and an application's WebSocket, each way, and
// the CPU a streamed call costs — beside a bare WebSocket hop and the same calls without a stream, in the same run.
//
// No Kafka, no database, no Quarkus: real calls of the media pool (dev.callgate.media.MediaWorkerPool, libwebrtc),
// each connected to an AudioPeer "phone" playing 660 Hz — the phones in a second JVM (this file with --phones) at
// nice 19 and without CAP_SYS_NICE, so neither they nor their real-time audio threads take CPU from Callgate's side
// (needs setpriv, util-linux) — each call bridged through dev.callgate.stream.AudioStream (the class the
// service uses) to a measuring agent — a plain Vert.x WebSocket server on its own Vert.x instance, speaking twilio or
// native 24 kHz. A decorator (Gate) sits between the pool and the AudioStream, where the service has nothing:
//   phone → agent: on the pool's real sink calls (heard(), every 10 ms on the call's audio thread) the Gate hands
//     the AudioStream bursts — 100 ms of a 660 Hz tone at -12 dBFS, 100 ms of silence — in place of what the phone
//     sent (the same work for Callgate, but independent of the phone process: a phone starved of CPU would otherwise
//     delay onsets by its own packet loss), and stamps the heard() call that opens a burst; the agent stamps the
//     first loud frame after a silent one.
//     Added = agent receives − heard() of the onset (framing into 20 ms, down-sampling, μ-law/PCM, JSON/base64,
//     the socket's write queue, Vert.x, TCP over loopback, the agent's read).
//   agent → phone: on each onset the agent answers with a clean 100 ms burst (1000 Hz, five 20 ms messages at once)
//     into an empty playback queue, stamped before the first write; the Gate stamps the first fill() (the audio
//     module's 10 ms pull: the audio leaving for the encoder and the network) that is loud.
//     Added = fill() − agent write (TCP, Vert.x, parsing, up-sampling, the queue, the wait for the next 10 ms pull).
// Baseline "bare": the same agent and message shapes over the same loopback, from a plain Vert.x WebSocket client
// writing pre-encoded 20 ms frames on a timer (no resampling, no encoding, no queue; it does not even parse what it
// gets): what the transport alone costs. CPU: process CPU over the window minus the agent's threads, with streams,
// against the same calls playing a tone without a stream (per call = difference / calls), and directly the stream's
// own work: Callgate's Vert.x event loops plus the thread CPU time inside AudioStream.heard/fill.
// docs/benchmarks.md ("Voice-agent streams") explains the method and the figures.
//   java -Xmx1g -Dbench.source=bench/StreamLatency.java \
//     -cp 'target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*:target/quarkus-app/app/*' \
//     bench/StreamLatency.java --calls 20 --seconds 15 --warmup 3 --protocols twilio,native24
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.media.AudioBridge;
import dev.callgate.media.AudioPeer;
import dev.callgate.media.MediaConfig;
import dev.callgate.media.MediaOptions;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.stream.AudioStream;
import dev.callgate.stream.MuLaw;
import dev.callgate.stream.StreamCall;
import dev.callgate.stream.StreamSpec;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;

public class StreamLatency {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A frame is "loud" when a sample exceeds this (the phone's tone peaks at ~8200, the agent's at ~16400). */
    static final int LOUD = 2000;
    static final java.util.concurrent.atomic.AtomicLong NOT_10MS = new java.util.concurrent.atomic.AtomicLong();
    static final double USER_AMPLITUDE = 32767 * Math.pow(10, -12 / 20.0);
    static final int BURST_TICKS = 10;   // 10 ms heard() calls: 100 ms on ...
    static final int PERIOD_TICKS = 20;  // ... of every 200 ms

    /** One call's stamps, shared by the Callgate side (Gate or bare client) and the agent. */
    static final class Probe {
        final int index;
        final Recorder rec;
        volatile long onsetAt;      // heard() (or the bare write) that opened a burst of the user's audio
        volatile int onsetBurst;
        volatile long answerSentAt; // the agent's first write of its answer
        volatile int answerBurst;
        // agent thread only
        boolean agentPrevLoud = true;
        int agentMeasured;
        String streamSid = "MZbench";
        // Callgate side, fill()/message thread only
        int answerMeasured;

        Probe(int index, Recorder rec) {
            this.index = index;
            this.rec = rec;
        }
    }

    /** The latencies of one scenario, recorded only while measuring. */
    static final class Recorder {
        final ConcurrentLinkedQueue<Long> up = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> down = new ConcurrentLinkedQueue<>();
        volatile boolean on;
        final java.util.concurrent.atomic.AtomicLong outliers = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong closed = new java.util.concurrent.atomic.AtomicLong();
        /** CPU time spent inside AudioStream.heard/fill on the media threads (always counted; read at the window's ends). */
        final java.util.concurrent.atomic.LongAdder mediaThreadCpu = new java.util.concurrent.atomic.LongAdder();

        void add(Queue<Long> q, long nanos) {
            if (!on) {
                return;
            }
            if (nanos < 0 || nanos > 1_000_000_000L) {
                outliers.incrementAndGet();
                return;
            }
            q.add(nanos);
        }
    }

    /** Between the pool's call and the AudioStream: gates the user's audio into bursts, stamps onsets both ways. */
    static final class Gate implements AudioBridge {
        final AudioBridge inner;
        final Probe p;
        final int phase;
        short[] burst = new short[480];
        double phase48;
        long ticks;
        boolean open;

        Gate(AudioBridge inner, Probe p, int phase) {
            this.inner = inner;
            this.p = p;
            this.phase = phase;
        }

        @Override
        public void heard(short[] pcm, int samples) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long now = System.nanoTime();
            if (samples != 480) {
                NOT_10MS.incrementAndGet(); // would shift the onsets against the stream's frames
            }
            boolean on = (ticks++ + phase) % PERIOD_TICKS < BURST_TICKS;
            if (on && !open) {
                p.onsetAt = now;
                p.onsetBurst++;
            }
            open = on;
            if (burst.length < samples) {
                burst = new short[samples];
            }
            if (on) { // the user's voice: a 660 Hz tone at -12 dBFS, phase-continuous (see the class comment)
                for (int i = 0; i < samples; i++) {
                    burst[i] = (short) Math.round(USER_AMPLITUDE * Math.sin(phase48));
                    phase48 += 2 * Math.PI * 660 / 48_000;
                }
                phase48 %= 2 * Math.PI;
            } else {
                java.util.Arrays.fill(burst, 0, samples, (short) 0);
            }
            inner.heard(burst, samples);
            p.rec.mediaThreadCpu.add(THREADS.getCurrentThreadCpuTime() - cpu0);
        }

        @Override
        public void fill(short[] out, int samples) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            inner.fill(out, samples);
            p.rec.mediaThreadCpu.add(THREADS.getCurrentThreadCpuTime() - cpu0);
            int burst = p.answerBurst;
            if (burst != p.answerMeasured && loud(out, samples)) {
                long now = System.nanoTime();
                p.answerMeasured = burst;
                p.rec.add(p.rec.down, now - p.answerSentAt);
            }
        }
    }

    static boolean loud(short[] pcm, int n) {
        for (int i = 0; i < n; i++) {
            if (pcm[i] > LOUD || pcm[i] < -LOUD) {
                return true;
            }
        }
        return false;
    }

    // ---- the measuring agent ------------------------------------------------------------------------------------

    static final Map<Integer, Probe> PROBES = new ConcurrentHashMap<>();
    static final short[] ANSWER_8K = tone(8000, 1000, 0.5, 160);
    static final short[] ANSWER_24K = tone(24000, 1000, 0.5, 480);
    static final String ANSWER_PAYLOAD;
    static final Buffer ANSWER_PCM;

    static {
        byte[] mulaw = new byte[160];
        MuLaw.encode(ANSWER_8K, 0, 160, mulaw, 0);
        ANSWER_PAYLOAD = Base64.getEncoder().encodeToString(mulaw);
        ANSWER_PCM = Buffer.buffer(960);
        for (short s : ANSWER_24K) {
            ANSWER_PCM.appendShortLE(s);
        }
    }

    static short[] tone(int rate, double hz, double level, int n) {
        short[] pcm = new short[n];
        for (int i = 0; i < n; i++) {
            pcm[i] = (short) Math.round(level * 32767 * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return pcm;
    }

    static HttpServer agent(Vertx vertx) throws Exception {
        return vertx.createHttpServer().requestHandler(req -> {
            int call = Integer.parseInt(req.getParam("call"));
            boolean twilio = req.path().endsWith("/twilio");
            req.toWebSocket().onSuccess(ws -> {
                Probe p = PROBES.get(call);
                ws.exceptionHandler(e -> System.err.println("agent: call " + call + ": " + e));
                if (twilio) {
                    ws.textMessageHandler(text -> onTwilio(ws, p, text));
                } else {
                    ws.binaryMessageHandler(data -> onNative(ws, p, data));
                }
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static void onTwilio(ServerWebSocket ws, Probe p, String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (java.io.IOException e) {
            return;
        }
        String event = m.path("event").asText();
        if ("start".equals(event)) {
            p.streamSid = m.path("start").path("streamSid").asText();
        } else if ("media".equals(event)) {
            byte[] mulaw = Base64.getDecoder().decode(m.path("media").path("payload").asText());
            short[] pcm = new short[mulaw.length];
            MuLaw.decode(mulaw, 0, mulaw.length, pcm, 0);
            if (onset(p, loud(pcm, pcm.length))) {
                String answer = "{\"event\":\"media\",\"streamSid\":\"" + p.streamSid
                        + "\",\"media\":{\"payload\":\"" + ANSWER_PAYLOAD + "\"}}";
                stampAnswer(p);
                for (int i = 0; i < 5; i++) {
                    ws.writeTextMessage(answer);
                }
            }
        }
    }

    static void onNative(ServerWebSocket ws, Probe p, Buffer data) {
        short[] pcm = new short[data.length() / 2];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = data.getShortLE(2 * i);
        }
        if (onset(p, loud(pcm, pcm.length))) {
            stampAnswer(p);
            for (int i = 0; i < 5; i++) {
                ws.writeBinaryMessage(ANSWER_PCM.copy());
            }
        }
    }

    /** Agent thread: a loud frame after a silent one is a burst's onset; records phone → agent. */
    static boolean onset(Probe p, boolean loud) {
        boolean onset = loud && !p.agentPrevLoud;
        p.agentPrevLoud = loud;
        if (!onset) {
            return false;
        }
        long now = System.nanoTime();
        int burst = p.onsetBurst;
        if (burst != p.agentMeasured) {
            p.agentMeasured = burst;
            p.rec.add(p.rec.up, now - p.onsetAt);
        }
        return true;
    }

    static void stampAnswer(Probe p) {
        p.answerSentAt = System.nanoTime();
        p.answerBurst = p.answerBurst + 1; // one writer: the agent's thread for this connection
    }

    // ---- the bare baseline client -------------------------------------------------------------------------------

    /** A plain WebSocket client shaped like a stream: pre-encoded 20 ms frames on a timer, gated the same way. */
    static final class Bare {
        final Probe p;
        final boolean twilio;
        final WebSocketClient client;
        WebSocket ws;
        ScheduledFuture<?> timer;
        long ticks;
        boolean open;
        final int phase;
        long chunk;

        Bare(Vertx vertx, Probe p, boolean twilio, int phase) {
            this.p = p;
            this.twilio = twilio;
            this.phase = phase;
            this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
                    .setMaxMessageSize(4 << 20).setSendBufferSize(32 * 1024));
        }

        void connect(int port, ScheduledExecutorService clock) throws Exception {
            ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
                            .setURI((twilio ? "/twilio" : "/native") + "?call=" + p.index)).toCompletionStage()
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);
            ws.setWriteQueueMaxSize(48 * 1024);
            ws.textMessageHandler(t -> answered());
            ws.binaryMessageHandler(b -> answered());
            timer = clock.scheduleAtFixedRate(this::tick, phase % 20, 20, TimeUnit.MILLISECONDS);
        }

        void answered() {
            int burst = p.answerBurst;
            if (burst != p.answerMeasured) {
                long now = System.nanoTime();
                p.answerMeasured = burst;
                p.rec.add(p.rec.down, now - p.answerSentAt);
            }
        }

        void tick() {
            boolean on = (ticks++ + phase / 2) % (PERIOD_TICKS / 2) < BURST_TICKS / 2;
            if (on && !open) {
                p.onsetAt = System.nanoTime();
                p.onsetBurst++;
            }
            open = on;
            if (ws.writeQueueFull()) {
                return;
            }
            if (twilio) {
                chunk++;
                ws.writeTextMessage("{\"event\":\"media\",\"sequenceNumber\":\"" + (chunk + 2) + "\",\"media\":"
                        + "{\"track\":\"inbound\",\"chunk\":\"" + chunk + "\",\"timestamp\":\"" + chunk * 20
                        + "\",\"payload\":\"" + (on ? USER_PAYLOAD : SILENT_PAYLOAD) + "\"},\"streamSid\":\""
                        + "MZbench\"}");
            } else {
                ws.writeBinaryMessage((on ? USER_PCM : SILENT_PCM).copy());
            }
        }

        void close() throws Exception {
            timer.cancel(false);
            ws.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            client.close();
        }
    }

    static final String USER_PAYLOAD;
    static final String SILENT_PAYLOAD;
    static final Buffer USER_PCM = Buffer.buffer(960);
    static final Buffer SILENT_PCM = Buffer.buffer(new byte[960]);

    static {
        short[] user8 = tone(8000, 660, 0.25, 160);
        byte[] mulaw = new byte[160];
        MuLaw.encode(user8, 0, 160, mulaw, 0);
        USER_PAYLOAD = Base64.getEncoder().encodeToString(mulaw);
        MuLaw.encode(new short[160], 0, 160, mulaw, 0);
        SILENT_PAYLOAD = Base64.getEncoder().encodeToString(mulaw);
        for (short s : tone(24000, 660, 0.25, 480)) {
            USER_PCM.appendShortLE(s);
        }
    }

    // ---- calls, scenarios, CPU ----------------------------------------------------------------------------------

    record Call(String key) {
    }

    /**
     * The users' phones (AudioPeers), in a second JVM at nice 19 without real-time scheduling: in production they are
     * handsets behind Meta, not on Callgate's machine, so here they only get the CPU Callgate's side leaves. Line protocol on stdin/stdout:
     * {@code <n> <offer, base64>} → {@code <n> <answer, base64>}.
     */
    static final class Phones {
        final Process process;
        final java.io.BufferedWriter in;
        final java.io.BufferedReader out;

        Phones() throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            // without CAP_SYS_NICE: libwebrtc's audio threads, which take SCHED_FIFO when they may (root), stay
            // ordinary threads at nice 19 here — else they would preempt Callgate's side whatever their nice value
            process = new ProcessBuilder("setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice", "nice", "-n",
                    "19", java, "-Xmx512m", "-cp",
                    System.getProperty("java.class.path"), SOURCE, "--phones", "1")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new java.io.BufferedWriter(new java.io.OutputStreamWriter(process.getOutputStream()));
            out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
        }

        synchronized String answer(int n, String offer) throws Exception {
            in.write(n + " " + Base64.getEncoder().encodeToString(offer.getBytes()) + "\n");
            in.flush();
            String line = out.readLine();
            if (line == null || !line.startsWith(n + " ")) {
                throw new IllegalStateException("phone " + n + ": " + line);
            }
            return new String(Base64.getDecoder().decode(line.substring(line.indexOf(' ') + 1)));
        }

        void close() throws Exception {
            in.write("quit\n");
            in.flush();
            process.waitFor(10, TimeUnit.SECONDS);
            process.destroy();
        }
    }

    static Phones phones;
    static String census = "";
    static String SOURCE;

    /** Threads of a process by scheduling policy: [ordinary, real-time (SCHED_FIFO/RR)]. */
    static int[] schedulingCensus(long pid) {
        int[] census = new int[2];
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    int policy = Integer.parseInt(f[38]); // field 41 of stat, counted after "pid (comm)"
                    census[policy == 1 || policy == 2 ? 1 : 0]++;
                } catch (java.io.IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return census;
        }
        return census;
    }

    static long phonesCpu() {
        return phones == null ? 0 : phones.process.toHandle().info().totalCpuDuration().map(Duration::toNanos)
                .orElse(0L);
    }

    /** The second process: answers offers with AudioPeers playing 660 Hz, until "quit". */
    static void phonesMain() throws Exception {
        java.util.logging.Logger.getLogger("dev.callgate").setLevel(java.util.logging.Level.WARNING);
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        List<AudioPeer> peers = new ArrayList<>();
        for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
            String[] f = line.split(" ", 2);
            AudioPeer phone = AudioPeer.create("bench-phone-" + f[0], 660);
            peers.add(phone);
            String answer = phone.acceptOffer(new String(Base64.getDecoder().decode(f[1]))).get(20, TimeUnit.SECONDS);
            System.out.println(f[0] + " " + Base64.getEncoder().encodeToString(answer.getBytes()));
            System.out.flush();
        }
        for (AudioPeer p : peers) {
            p.close();
        }
        System.exit(0);
    }

    record Result(String scenario, int calls, Recorder rec, Cpu cpu, long drops, long dropsBack) {
    }

    /**
     * @param processMsPerS the bench process (Callgate's side of the calls, the agent, bare clients), CPU ms per s
     * @param agentMsPerS   the agent's event loops, part of the above
     * @param streamMsPerS  Callgate's stream work itself: its Vert.x event loops + AudioStream.heard/fill time
     * @param othersMsPerS  the rest of the machine's busy time: other processes (a concurrent build disturbs)
     */
    record Cpu(double processMsPerS, double agentMsPerS, double streamMsPerS, double machineBusyPct,
               double phonesMsPerS, double othersMsPerS, double seconds) {
    }

    static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    static final Set<Long> AGENT_THREADS = ConcurrentHashMap.newKeySet();
    static final Set<Long> CALLGATE_LOOPS = ConcurrentHashMap.newKeySet();

    static long agentCpu() {
        return threadsCpu(AGENT_THREADS);
    }

    static long threadsCpu(Set<Long> ids) {
        long sum = 0;
        for (long id : ids) {
            long t = THREADS.getThreadCpuTime(id);
            if (t > 0) {
                sum += t;
            }
        }
        return sum;
    }

    static long[] machineTicks() throws Exception {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[]{total, idle};
    }

    /** Waits out the warm-up, then measures {@code seconds}: latencies (if {@code rec}) and CPU. */
    static Cpu window(Recorder rec, int warmup, int seconds) throws Exception {
        Thread.sleep(warmup * 1000L);
        long cpu0 = OS.getProcessCpuTime();
        long agent0 = agentCpu();
        long loops0 = threadsCpu(CALLGATE_LOOPS);
        long media0 = rec == null ? 0 : rec.mediaThreadCpu.sum();
        long phones0 = phonesCpu();
        long[] m0 = machineTicks();
        long t0 = System.nanoTime();
        if (rec != null) {
            rec.on = true;
        }
        Thread.sleep(seconds * 1000L);
        if (rec != null) {
            rec.on = false;
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long cpu1 = OS.getProcessCpuTime();
        long agent1 = agentCpu();
        long loops1 = threadsCpu(CALLGATE_LOOPS);
        long media1 = rec == null ? 0 : rec.mediaThreadCpu.sum();
        long phones1 = phonesCpu();
        long[] m1 = machineTicks();
        double busy = 100.0 * (1 - (double) (m1[1] - m0[1]) / Math.max(1, m1[0] - m0[0]));
        double process = (cpu1 - cpu0) / 1e6 / wall;
        double phonesCpu = (phones1 - phones0) / 1e6 / wall;
        double others = busy / 100 * Runtime.getRuntime().availableProcessors() * 1000 - process - phonesCpu;
        return new Cpu(process, (agent1 - agent0) / 1e6 / wall, (loops1 - loops0 + media1 - media0) / 1e6 / wall,
                busy, phonesCpu, Math.max(0, others), wall);
    }

    static Result streamed(Vertx vertx, MediaWorkerPool pool, List<Call> calls, int port, String proto, int warmup,
                           int seconds) throws Exception {
        Recorder rec = new Recorder();
        boolean twilio = proto.equals("twilio");
        List<AudioStream> streams = new ArrayList<>();
        Random random = new Random(42);
        for (int i = 0; i < calls.size(); i++) {
            Probe p = new Probe(i, rec);
            PROBES.put(i, p);
            URI url = URI.create("ws://127.0.0.1:" + port + (twilio ? "/twilio" : "/native") + "?call=" + i);
            StreamSpec spec = twilio ? new StreamSpec(url, Map.of("bench", "1"), StreamSpec.OnClose.CONTINUE)
                    : new StreamSpec(url, StreamSpec.Protocol.NATIVE, Integer.parseInt(proto.replace("native", ""))
                    * 1000, Map.of("bench", "1"), Map.of(), StreamSpec.OnClose.CONTINUE);
            StreamCall call = new StreamCall("bench-" + i, null, "BUSINESS_INITIATED", "106540352242922",
                    "4915112345678", null, null);
            AudioStream stream = AudioStream.of(vertx, JSON, spec, call, Duration.ofSeconds(30), null,
                    new AudioStream.Listener() {
                        @Override
                        public void closed(String reason) {
                            System.err.println("stream of call " + call.callRef() + " closed: " + reason);
                            rec.closed.incrementAndGet();
                        }

                        @Override
                        public void hangupRequested() {
                        }
                    });
            // the service's connect timeout (a deadline on the opening only)
            stream.open(Duration.ofSeconds(5), Map.of()).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            // an even phase: every onset falls on the first 10 ms of one of the stream's 20 ms frames (the stream
            // counts frames from the first heard() it gets, the Gate's tick 0), so each measurement includes the
            // frame's full 10 ms wait for its second half — the worst case of the framing, the same every time
            pool.bridge(calls.get(i).key(), new Gate(stream, p, 2 * random.nextInt(PERIOD_TICKS / 2)))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            streams.add(stream);
        }
        Cpu cpu = window(rec, warmup, seconds);
        long drops = 0;
        long dropsBack = 0;
        for (int i = 0; i < calls.size(); i++) {
            pool.unbridge(calls.get(i).key(), MediaOptions.tone(1000)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            AudioStream s = streams.get(i);
            drops += s.droppedFrames();
            dropsBack += s.droppedPlaybackFrames();
            s.close("call_ended").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        return new Result(proto, calls.size(), rec, cpu, drops, dropsBack);
    }

    static Result bare(Vertx vertx, int n, int port, String proto, int warmup, int seconds) throws Exception {
        Recorder rec = new Recorder();
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "bare-clock");
            t.setDaemon(true);
            return t;
        });
        List<Bare> clients = new ArrayList<>();
        Random random = new Random(43);
        for (int i = 0; i < n; i++) {
            Probe p = new Probe(i, rec);
            PROBES.put(i, p);
            Bare b = new Bare(vertx, p, proto.equals("twilio"), random.nextInt(PERIOD_TICKS));
            b.connect(port, clock);
            clients.add(b);
        }
        Cpu cpu = window(rec, warmup, seconds);
        for (Bare b : clients) {
            b.close();
        }
        clock.shutdownNow();
        return new Result("bare " + proto, n, rec, cpu, 0, 0);
    }

    static List<Call> setUp(MediaWorkerPool pool, int from, int to) throws Exception {
        ExecutorService setup = Executors.newFixedThreadPool(4);
        List<Future<Call>> futures = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int n = i;
            futures.add(setup.submit(() -> {
                String key = "bench-call-" + n;
                String offer = pool.createOffer(key, MediaOptions.tone(1000)).toCompletableFuture()
                        .get(20, TimeUnit.SECONDS);
                String answer = phones.answer(n, offer);
                pool.applyAnswer(key, answer).toCompletableFuture().get(20, TimeUnit.SECONDS);
                return new Call(key);
            }));
        }
        List<Call> calls = new ArrayList<>();
        for (Future<Call> f : futures) {
            calls.add(f.get(2, TimeUnit.MINUTES));
        }
        setup.shutdown();
        // every call hears its phone's tone: media flows before anything is measured
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (Call c : calls) {
            while (pool.report(c.key()).map(r -> Math.abs(r.received().dominantHz() - 660) > 15).orElse(true)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(c.key() + ": no audio from the call within 20 s");
                }
                Thread.sleep(20); // a measuring loop, not a test
            }
        }
        return calls;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("calls", "20", "seconds", "15", "warmup", "3",
                "protocols", "twilio,native24"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        SOURCE = System.getProperty("bench.source", "bench/StreamLatency.java");
        if (opt.containsKey("phones")) {
            phonesMain();
            return;
        }
        int many = Integer.parseInt(opt.get("calls"));
        int seconds = Integer.parseInt(opt.get("seconds"));
        int warmup = Integer.parseInt(opt.get("warmup"));
        List<String> protocols = List.of(opt.get("protocols").split(","));
        java.util.logging.Logger.getLogger("dev.callgate").setLevel(java.util.logging.Level.WARNING);
        java.util.logging.Logger.getLogger("io.vertx").setLevel(java.util.logging.Level.SEVERE);

        Path recordings = Files.createTempDirectory("stream-latency");
        MediaWorkerPool pool = new MediaWorkerPool(new BenchMediaConfig(many, recordings.toString()));
        Vertx callgate = Vertx.vertx(); // the service's side: the streams' WebSocket clients (and the bare ones)
        Vertx agentVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2)); // the application's side
        for (io.netty.util.concurrent.EventExecutor loop : agentVertx.nettyEventLoopGroup()) {
            loop.submit(() -> AGENT_THREADS.add(Thread.currentThread().getId())).get(5, TimeUnit.SECONDS);
        }
        for (io.netty.util.concurrent.EventExecutor loop : callgate.nettyEventLoopGroup()) {
            loop.submit(() -> CALLGATE_LOOPS.add(Thread.currentThread().getId())).get(5, TimeUnit.SECONDS);
        }
        phones = new Phones();
        HttpServer server = agent(agentVertx);
        int port = server.actualPort();
        long started = System.nanoTime();
        List<Result> results = new ArrayList<>();

        List<Call> calls = new ArrayList<>(setUp(pool, 0, 1));
        System.err.printf("1 call up after %.1f s%n", (System.nanoTime() - started) / 1e9);
        for (String proto : protocols) {
            results.add(streamed(callgate, pool, calls, port, proto, warmup, seconds));
            System.err.println("done: " + proto + " x1");
        }
        for (String proto : protocols) {
            results.add(bare(callgate, 1, port, proto.replaceAll("\\d", ""), warmup, seconds));
            System.err.println("done: bare " + proto + " x1");
        }
        if (many > 1) {
            calls.addAll(setUp(pool, 1, many));
            System.err.printf("%d calls up after %.1f s%n", many, (System.nanoTime() - started) / 1e9);
            int[] own = schedulingCensus(ProcessHandle.current().pid());
            int[] theirs = schedulingCensus(phones.process.pid());
            System.err.printf("threads ordinary / real-time: Callgate's side %d / %d, phones %d / %d%n", own[0], own[1],
                    theirs[0], theirs[1]);
            census = String.format("threads ordinary / real-time (SCHED_FIFO): Callgate's side %d / %d, phones' "
                    + "process %d / %d", own[0], own[1], theirs[0], theirs[1]);
            results.add(new Result("no stream (tone)", many, null, window(null, warmup, seconds), 0, 0));
            System.err.println("done: no stream x" + many);
            for (String proto : protocols) {
                results.add(streamed(callgate, pool, calls, port, proto, warmup, seconds));
                System.err.println("done: " + proto + " x" + many);
            }
            for (String proto : protocols) {
                results.add(bare(callgate, many, port, proto.replaceAll("\\d", ""), warmup, seconds));
                System.err.println("done: bare " + proto + " x" + many);
            }
        }

        System.out.printf("# %d cores, window %d s after %d s warm-up per scenario, run took %.0f s; load average "
                        + "at the end: %s%n", Runtime.getRuntime().availableProcessors(), seconds, warmup,
                (System.nanoTime() - started) / 1e9, Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.println("# " + census + "; heard() calls of other than 480 samples (10 ms): " + NOT_10MS.get());
        System.out.println("| scenario | calls | phone → agent p50 / p99 / max (n) | agent → phone p50 / p99 / max (n) "
                + "| dropped to / from app | Callgate process CPU (agent excluded) | of which stream work, per call "
                + "| phones' process (nice 19) | machine busy (other processes) |");
        System.out.println("|---|---:|---|---|---|---:|---:|---:|---:|");
        Map<Integer, Double> idleCpu = new HashMap<>();
        for (Result r : results) {
            if (r.rec() == null) {
                idleCpu.put(r.calls(), r.cpu().processMsPerS() - r.cpu().agentMsPerS());
            }
        }
        for (Result r : results) {
            boolean streamed = r.rec() != null && !r.scenario().startsWith("bare");
            String up = r.rec() == null ? "–" : dist(r.rec().up);
            String down = r.rec() == null ? "–" : dist(r.rec().down);
            double own = r.cpu().processMsPerS() - r.cpu().agentMsPerS();
            System.out.printf("| %s | %d | %s | %s | %s | %.0f ms/s | %s | %.0f ms/s | %.0f %% (%.0f ms/s) |%n",
                    r.scenario(),
                    r.calls(), up, down, streamed ? r.drops() + " / " + r.dropsBack() : "–", own,
                    streamed ? String.format("%.1f ms/s", r.cpu().streamMsPerS() / r.calls()) : "–",
                    r.cpu().phonesMsPerS(), r.cpu().machineBusyPct(), r.cpu().othersMsPerS());
            if (r.rec() != null && (r.rec().outliers.get() > 0 || r.rec().closed.get() > 0)) {
                System.out.printf("|   ↳ %d values outside 0–1 s left out, %d streams closed early | | | | | | | | |%n",
                        r.rec().outliers.get(), r.rec().closed.get());
            }
        }
        System.out.println("(bursts: 5 a second per call, so a window holds about " + 5 * seconds
                + " per call each way)");
        for (Result r : results) {
            Double idle = idleCpu.get(r.calls());
            if (idle != null && r.rec() != null && !r.scenario().startsWith("bare")) {
                double own = r.cpu().processMsPerS() - r.cpu().agentMsPerS();
                System.out.printf("CPU per streamed call, %s at %d calls: process (%.0f − %.0f ms/s without streams) "
                                + "/ %d = %.1f ms/s; measured on the stream's own threads and calls: %.1f ms/s "
                                + "(%.2f %% of a core)%n", r.scenario(), r.calls(), own, idle, r.calls(),
                        (own - idle) / r.calls(), r.cpu().streamMsPerS() / r.calls(),
                        r.cpu().streamMsPerS() / r.calls() / 10);
            }
        }
        phones.close();
        pool.shutdown();
        System.exit(0); // native threads would keep the JVM alive
    }

    static String dist(Collection<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return "none";
        }
        return String.format("%.1f / %.1f / %.1f ms (%d)", pct(sorted, 50), pct(sorted, 99),
                sorted.get(sorted.size() - 1) / 1e6, sorted.size());
    }

    static double pct(List<Long> sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
    }

    /** The pool's settings, as the service's defaults (src/main's MediaConfig mapping), for {@code maxCalls}. */
    record BenchMediaConfig(int maxCalls, String recordingDirectory) implements MediaConfig {
        public Duration recordingMaxDuration() {
            return Duration.ofHours(2);
        }

        public Duration recordingRetention() {
            return Duration.ofDays(30);
        }

        public double toneLevelDbfs() {
            return -12;
        }

        public Duration setupTimeout() {
            return Duration.ofSeconds(15);
        }

        public Duration disconnectedTimeout() {
            return Duration.ofSeconds(10);
        }

        public int recordingQueueFrames() {
            return 1000;
        }

        public boolean reuseSlots() {
            return true;
        }

        public int workerThreads() {
            return 2;
        }

        public Optional<List<String>> iceServers() {
            return Optional.empty();
        }

        public Optional<String> iceUsername() {
            return Optional.empty();
        }

        public Optional<String> icePassword() {
            return Optional.empty();
        }

        public int udpPortMin() {
            return 0;
        }

        public int udpPortMax() {
            return 0;
        }

        public Optional<String> publicIp() {
            return Optional.empty();
        }
    }
}
