// The echo agent driven by Callgate's own stream code: a real call of the media pool (libwebrtc) with an AudioPeer
// phone playing 660 Hz, streamed by dev.callgate.stream.AudioStream with the X-Callgate-Signature AudioStreams adds,
// to a running echo agent — the phone must hear its own 660 Hz back, in both protocols; with the wrong secret the
// agent must refuse the upgrade. From the repository, after ./mvnw -B -q package -DskipTests:
//   node docs/examples/echo-agent/echo-agent.js --port 8099 --secret s3cret &
//   java -cp 'target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*:target/quarkus-app/app/*' \
//     docs/examples/echo-agent/CheckWithCallgate.java ws://127.0.0.1:8099 s3cret
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callgate.media.AudioPeer;
import dev.callgate.media.MediaConfig;
import dev.callgate.media.MediaOptions;
import dev.callgate.media.MediaWorkerPool;
import dev.callgate.stream.AudioStream;
import dev.callgate.stream.StreamCall;
import dev.callgate.stream.StreamSignature;
import dev.callgate.stream.StreamSpec;
import io.vertx.core.Vertx;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

public class CheckWithCallgate {

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String secret = args[1];
        Vertx vertx = Vertx.vertx();
        MediaWorkerPool pool = new MediaWorkerPool(new Config(Files.createTempDirectory("echo-check").toString()));
        AudioPeer phone = AudioPeer.create("check-phone", 660);
        String offer = pool.createOffer("check", MediaOptions.tone(1000)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        pool.applyAnswer("check", phone.acceptOffer(offer).get(15, TimeUnit.SECONDS)).toCompletableFuture()
                .get(15, TimeUnit.SECONDS);
        awaitHz(phone, 1000, "the call's own tone before streaming");
        StreamCall call = new StreamCall("order-77", null, "BUSINESS_INITIATED", "106540352242922", "4915112345678",
                null, "check");
        int failures = 0;
        for (String format : List.of("mulaw_8000", "pcm_16000", "pcm_24000")) {
            boolean twilio = format.startsWith("mulaw");
            URI url = URI.create(base + (twilio ? "/twilio" : "/native") + "?agent=echo");
            StreamSpec spec = new StreamSpec(url, twilio ? StreamSpec.Protocol.TWILIO : StreamSpec.Protocol.NATIVE,
                    Integer.parseInt(format.replaceAll("\\D+_", "")), Map.of("agent", "echo"), Map.of(),
                    StreamSpec.OnClose.HANGUP);
            AudioStream stream = AudioStream.of(vertx, new ObjectMapper(), spec, call, Duration.ofSeconds(30), null,
                    new AudioStream.Listener() {
                        public void closed(String reason) {
                            System.out.println("  stream closed by the agent: " + reason);
                        }

                        public void hangupRequested() {
                        }
                    });
            // as AudioStreams does with CALLGATE_STREAMS_SIGNING_SECRET set
            String signature = new StreamSignature(secret).sign(url.toString(), Instant.now().getEpochSecond());
            stream.open(Duration.ofSeconds(5), Map.of(StreamSignature.HEADER, signature)).toCompletionStage()
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            pool.bridge("check", stream).toCompletableFuture().get(10, TimeUnit.SECONDS);
            boolean echoed = awaitHz(phone, 660, format + ": the phone hears its own 660 Hz, echoed by the agent");
            failures += echoed ? 0 : 1;
            Thread.sleep(2500); // a few seconds of conversation: the agent's marks come back once played
            pool.unbridge("check", MediaOptions.tone(1000)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            stream.close("call_ended").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            failures += awaitHz(phone, 1000, format + ": back to the call's tone after the stream's stop") ? 0 : 1;
        }
        URI url = URI.create(base + "/native");
        AudioStream wrong = AudioStream.of(vertx, new ObjectMapper(), new StreamSpec(url, StreamSpec.Protocol.NATIVE,
                16000, Map.of(), Map.of(), StreamSpec.OnClose.HANGUP), call, Duration.ofSeconds(30), null, null);
        try {
            wrong.open(Duration.ofSeconds(5), Map.of(StreamSignature.HEADER, new StreamSignature("not-the-secret")
                    .sign(url.toString(), Instant.now().getEpochSecond()))).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            System.out.println("FAIL a wrong secret was accepted");
            failures++;
        } catch (java.util.concurrent.ExecutionException e) {
            System.out.println("ok   a wrong secret is refused: " + e.getCause().getMessage());
        }
        phone.close();
        pool.shutdown();
        System.out.println(failures == 0 ? "all checks passed" : failures + " checks failed");
        System.exit(failures == 0 ? 0 : 1);
    }

    static boolean awaitHz(AudioPeer phone, double hz, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Math.abs(phone.received().dominantHz() - hz) < 15 && phone.received().levelDbfs() > -30) {
                System.out.printf("ok   %s (%.0f Hz at %.1f dBFS)%n", what, phone.received().dominantHz(),
                        phone.received().levelDbfs());
                return true;
            }
            Thread.sleep(20);
        }
        System.out.printf("FAIL %s: heard %.0f Hz%n", what, phone.received().dominantHz());
        return false;
    }

    record Config(String recordingDirectory) implements MediaConfig {
        public int maxCalls() { return 2; }
        public Duration recordingMaxDuration() { return Duration.ofHours(2); }
        public Duration recordingRetention() { return Duration.ofDays(30); }
        public double toneLevelDbfs() { return -12; }
        public Duration setupTimeout() { return Duration.ofSeconds(15); }
        public Duration disconnectedTimeout() { return Duration.ofSeconds(10); }
        public int recordingQueueFrames() { return 1000; }
        public boolean reuseSlots() { return true; }
        public int workerThreads() { return 2; }
        public Optional<List<String>> iceServers() { return Optional.empty(); }
        public Optional<String> iceUsername() { return Optional.empty(); }
        public Optional<String> icePassword() { return Optional.empty(); }
        public int udpPortMin() { return 0; }
        public int udpPortMax() { return 0; }
        public Optional<String> publicIp() { return Optional.empty(); }
    }
}
