package dev.callgate.media;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the {@link MediaWorkerPool}. Every value has a default. */
@ConfigMapping(prefix = "callgate.media")
public interface MediaConfig {

    /** Calls this instance carries at once; one more is refused ({@code CALLGATE_MEDIA_MAX_CALLS}). */
    @WithDefault("40")
    int maxCalls();

    /** Where recordings go, one WAV per call named after the sanitised call key. */
    @WithDefault("${java.io.tmpdir}/callgate-recordings")
    String recordingDirectory();

    /**
     * The longest recording kept per call (48 kHz mono 16-bit: 5.5 MB a minute); audio after it is left out, logged
     * once. Bounds the disk a call can take whatever its length.
     */
    @WithDefault("2h")
    Duration recordingMaxDuration();

    /** Recordings older than this are deleted from the recording directory (checked hourly). */
    @WithDefault("30d")
    Duration recordingRetention();

    /** Level of generated tones (AES17 dBFS: a full-scale sine is 0). Prompts are sent as recorded. */
    @WithDefault("-12")
    double toneLevelDbfs();

    /** Time allowed for creating an offer or answer (including full ICE gathering) or applying an answer. */
    @WithDefault("15s")
    Duration setupTimeout();

    /**
     * How long after the last candidate gathered an offer or answer counts as complete when no STUN or TURN server is
     * configured ({@code CALLGATE_MEDIA_GATHER_SETTLE}). libwebrtc gathers the host UDP candidates at once, then waits
     * 50 ms before its relay phase and 50 ms more before its TCP phase, and only then reports gathering complete —
     * ~100 ms of every call's set-up spent on candidates Meta (UDP host candidates, no TURN) cannot use. 0: wait for
     * the end of gathering, as with STUN or TURN servers, whose candidates come later.
     */
    @WithDefault("20ms")
    Duration gatherSettle();

    /** A call DISCONNECTED this long without coming back is reported as failed. */
    @WithDefault("10s")
    Duration disconnectedTimeout();

    /**
     * Received audio buffered for the recording writer, in 10 ms frames; when the writer falls this far behind,
     * frames are dropped (counted) rather than blocking the native audio thread.
     */
    @WithDefault("1000")
    int recordingQueueFrames();

    /**
     * Reuse a slot (one headless audio module and PeerConnectionFactory) for successive calls. When false each call
     * gets a fresh module and factory that is disposed when it ends (webrtc-java 0.14.0 then leaks two native threads
     * per call).
     */
    @WithDefault("true")
    boolean reuseSlots();

    /**
     * One headless audio module and PeerConnectionFactory for ALL calls ({@code CALLGATE_MEDIA_SHARED_FACTORY}): each
     * call's audio is pushed by one Java media clock thread into its own source and its RTP starts only once it is
     * CONNECTED ({@link SharedMedia}). About 1.75 native threads per call instead of about 8 (a slot per call) and ~30 %
     * less CPU per call (docs/benchmarks.md). The default; {@code false}: a module and factory per call, reused as slots
     * ({@link #reuseSlots()}).
     */
    @WithDefault("true")
    boolean sharedFactory();

    /** Threads that run setup, teardown and listener callbacks. */
    @WithDefault("2")
    int workerThreads();

    /**
     * How often each connected call's quality is sampled from libwebrtc's stats ({@code CALLGATE_MEDIA_QUALITY_INTERVAL};
     * see {@link CallQuality}); 0 switches sampling off.
     */
    @WithDefault("5s")
    Duration qualityInterval();

    /**
     * How long a sample waits for libwebrtc's stats callback ({@code CALLGATE_MEDIA_QUALITY_TIMEOUT}); an answer not
     * delivered by then is given up and the call is not asked again until it comes.
     */
    @WithDefault("2s")
    Duration qualityTimeout();

    /**
     * How long closing a connected call waits for its final quality sample ({@code CALLGATE_MEDIA_QUALITY_FINAL_TIMEOUT})
     * before its natives are released anyway; the close blocks its caller at most this long. 0: no final sample.
     */
    @WithDefault("200ms")
    Duration qualityFinalTimeout();

    /** STUN/TURN server URLs (e.g. {@code stun:stun.example.org:3478}); none by default (host candidates only). */
    Optional<List<String>> iceServers();

    /** User name for TURN servers in {@link #iceServers()}. */
    Optional<String> iceUsername();

    /** Password for TURN servers in {@link #iceServers()}. Never logged. */
    Optional<String> icePassword();

    /**
     * Lowest UDP port media may use ({@code CALLGATE_MEDIA_UDP_PORT_MIN}); with {@link #udpPortMax()}, the range a
     * firewall or a Kubernetes hostPort range must open. 0: any port.
     */
    @WithDefault("0")
    int udpPortMin();

    /** Highest UDP port media may use ({@code CALLGATE_MEDIA_UDP_PORT_MAX}); 0: any port. */
    @WithDefault("0")
    int udpPortMax();

    /**
     * The address our host candidates announce instead of the interface's ({@code CALLGATE_MEDIA_PUBLIC_IP}), for a
     * 1:1 NAT such as a cloud VM's public IP. Meta is ICE-lite and answers our checks where they come from, so media
     * works without it; it helps peers that need a reachable candidate.
     */
    Optional<String> publicIp();
}
