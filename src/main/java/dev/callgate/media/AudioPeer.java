package dev.callgate.media;

import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import org.jboss.logging.Logger;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.media.audio.AudioOptions;
import dev.onvoid.webrtc.media.audio.AudioSource;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSource;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;

/**
 * One WebRTC audio PeerConnection with its own {@link HeadlessAudioDeviceModule} and {@link PeerConnectionFactory}.
 *
 * <p>The recipe (see the project's webrtc-java notes): module and factory per peer; playout initialised and started
 * <em>before</em> the module's audio source is set; outgoing audio <em>pulled</em> by the module's capture thread
 * every 10 ms from a {@link ToneGenerator}; the sent track comes from {@code factory.createAudioSource} with all audio
 * processing off; received audio reaches an {@link AudioMeter} through a sink on the remote track. Teardown runs in
 * the one order known to produce no errors.
 *
 * <p>Futures returned here are completed on this peer's own Java thread ({@code callgate-media-<name>}), never on a
 * native WebRTC thread, so dependent stages may call back into the peer (including {@link #close()}).
 */
public final class AudioPeer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AudioPeer.class);
    /** Level of the generated tone (AES17 dBFS, full-scale sine = 0). */
    static final double TONE_LEVEL_DBFS = -12.0;
    private static final SecureRandom STAND_IN_RANDOM = new SecureRandom();
    private static final Set<AudioPeer> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();

    private final String name;
    private final ToneGenerator tone;
    private final AudioMeter meter = new AudioMeter();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ThreadPoolExecutor executor;
    private final SdpCallbacks callbacks;

    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> gatheringComplete = new CompletableFuture<>();
    private volatile String state = RTCPeerConnectionState.NEW.name();

    // Native objects, in creation order. Written by open() and close() only.
    private volatile HeadlessAudioDeviceModule adm;
    private volatile PeerConnectionFactory factory;
    private volatile AudioTrack localTrack;
    private volatile RTCPeerConnection pc;
    private volatile RTCRtpSender sender;
    /**
     * Guards the remote track between onTrack (signaling thread) and close(). Never held while calling into the
     * PeerConnection: close() blocks on the signaling thread, which could be waiting for this lock.
     */
    private final RemoteAudio remote;
    private final PulledSource pulledSource = new PulledSource();
    private volatile boolean loggedSourceError;
    private volatile boolean loggedSinkError;

    private AudioPeer(String name, double toneHz) {
        this.name = name;
        this.tone = new ToneGenerator(toneHz, TONE_LEVEL_DBFS);
        this.executor = new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "callgate-media-" + name);
            t.setDaemon(true);
            return t;
        });
        this.callbacks = new SdpCallbacks(executor, "audio peer " + name, this::closedException);
        this.remote = new RemoteAudio("audio peer " + name, this::onRemoteAudio, closed::get);
    }

    /**
     * Creates the peer: its audio module, factory, sending track and PeerConnection.
     *
     * @param name   used in logs and thread names
     * @param toneHz &gt; 0 sends a continuous sine at that frequency (48 kHz mono s16, about -12 dBFS); 0 sends
     *               silence (RTP still flows)
     */
    public static AudioPeer create(String name, double toneHz) {
        return create(name, toneHz, false);
    }

    /**
     * As {@link #create(String, double)}; {@code sourceBeforePlayout} reverses the recipe's order (source set before
     * playout starts) and exists only for the negative-control test that guards the library behaviour the recipe
     * rests on.
     */
    static AudioPeer create(String name, double toneHz, boolean sourceBeforePlayout) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        AudioPeer peer = new AudioPeer(name, toneHz);
        try {
            peer.open(sourceBeforePlayout);
        } catch (RuntimeException | Error e) {
            peer.close();
            throw e;
        }
        installShutdownHook();
        LIVE.add(peer);
        return peer;
    }

    private void open(boolean sourceBeforePlayout) {
        adm = new HeadlessAudioDeviceModule();
        factory = new PeerConnectionFactory(adm);
        if (sourceBeforePlayout) {
            adm.setAudioSource(pulledSource);
        }
        // Order matters: playout first, then the source. Setting the source first leaves the peer mute and deaf
        // (once playout runs, the module's device buffer keeps the engine's transport; only capture is redirected).
        adm.initPlayout();
        adm.startPlayout();
        if (!sourceBeforePlayout) {
            adm.setAudioSource(pulledSource);
        }

        AudioOptions options = new AudioOptions();
        options.echoCancellation = false;
        options.autoGainControl = false;
        options.noiseSuppression = false;
        options.highpassFilter = false;
        AudioTrackSource source = factory.createAudioSource(options);
        localTrack = factory.createAudioTrack(name + "-audio", source);

        RTCConfiguration config = new RTCConfiguration();
        pc = factory.createPeerConnection(config,
                callbacks.peer(gatheringComplete, this::onConnectionChange, remote::attach));
        sender = pc.addTrack(localTrack, List.of(name + "-stream"));
        LOG.debugf("audio peer %s created", name);
    }

    /**
     * Creates an SDP offer (one audio m-line), sets it as the local description, waits until ICE gathering is
     * COMPLETE and returns the local description's SDP (CRLF line endings) with all host candidates.
     */
    public CompletableFuture<String> createOffer() {
        return createOffer(UnaryOperator.identity());
    }

    /**
     * As {@link #createOffer()}, with {@code shape} rewriting the SDP twice: the created offer before it is set as the
     * local description (so libwebrtc acts on the rewritten one: mid, ICE mode, codecs), and the gathered SDP
     * returned (libwebrtc prints its own description again, which may drop what it does not model).
     */
    public CompletableFuture<String> createOffer(UnaryOperator<String> shape) {
        RTCPeerConnection p = livePc();
        if (p == null) {
            return closedFuture();
        }
        CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
        p.createOffer(new RTCOfferOptions(), callbacks.created(created));
        return created.thenComposeAsync(offer -> setLocal(shaped(offer, shape)), executor)
                .thenComposeAsync(v -> localSdpWhenGathered(), executor)
                .thenApply(shape);
    }

    /**
     * An offer from a peer that stays ICE <em>controlled</em>, as an ICE-lite endpoint always is (RFC 8445 §6.1.1).
     *
     * <p>libwebrtc makes the first offerer of a PeerConnection controlling, and a peer that has offered with
     * {@code a=ice-lite} only turns controlled when the answer arrives; checks from the other side before that end in a
     * role conflict that the tie-breaker settles at random, sometimes making the other side controlled. So this peer
     * first answers a stand-in offer (nothing is ever sent to it), which makes it the controlled side for its
     * lifetime, then offers again. Its DTLS role is settled there as server ({@code a=setup:passive}); the SDP
     * returned says {@code a=setup:actpass}, and the real answer must say {@code a=setup:active}.
     *
     * @param mid   the mid of the audio section (fixed by the stand-in offer: a later offer cannot rename it)
     * @param shape applied as in {@link #createOffer(UnaryOperator)}
     */
    public CompletableFuture<String> createOfferAsControlled(String mid, UnaryOperator<String> shape) {
        if (livePc() == null) {
            return closedFuture();
        }
        return answerTo(standInOffer(mid))
                .thenComposeAsync(answer -> setLocal(shaped(answer,
                        sdp -> shape.apply(sdp).replace("a=setup:active", "a=setup:passive"))), executor)
                .thenComposeAsync(v -> localSdpWhenGathered(), executor)
                .thenComposeAsync(answer -> createOffer(shape), executor)
                .thenApply(sdp -> sdp.replaceAll("(?m)^a=setup:\\w+", "a=setup:actpass"));
    }

    /** Applies a remote offer and creates the answer (not yet set locally). */
    private CompletableFuture<RTCSessionDescription> answerTo(String remoteOffer) {
        return setRemote(new RTCSessionDescription(RTCSdpType.OFFER, remoteOffer))
                .thenComposeAsync(v -> {
                    RTCPeerConnection q = livePc();
                    if (q == null) {
                        return CompletableFuture.<RTCSessionDescription>failedFuture(closedException());
                    }
                    CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
                    q.createAnswer(new RTCAnswerOptions(), callbacks.created(created));
                    return created;
                }, executor);
    }

    /** A minimal remote offer that only serves to make this peer the answerer (see createOfferAsControlled). */
    private static String standInOffer(String mid) {
        byte[] digest = new byte[32];
        STAND_IN_RANDOM.nextBytes(digest);
        byte[] credentials = new byte[16];
        STAND_IN_RANDOM.nextBytes(credentials);
        String hex = HexFormat.of().formatHex(credentials);
        return crlf(String.join("\n",
                "v=0",
                "o=- 1 1 IN IP4 127.0.0.1",
                "s=-",
                "t=0 0",
                "a=group:BUNDLE " + mid,
                "m=audio 9 UDP/TLS/RTP/SAVPF 111 126",
                "c=IN IP4 0.0.0.0",
                "a=rtcp:9 IN IP4 0.0.0.0",
                "a=ice-ufrag:" + hex.substring(0, 8),
                "a=ice-pwd:" + hex.substring(8),
                "a=fingerprint:sha-256 " + HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest),
                "a=setup:actpass",
                "a=mid:" + mid,
                "a=sendrecv",
                "a=rtcp-mux",
                "a=rtpmap:111 opus/48000/2",
                "a=fmtp:111 minptime=10;useinbandfec=1",
                "a=rtpmap:126 telephone-event/8000"));
    }

    /** Applies a remote offer, creates the answer, waits for ICE gathering COMPLETE and returns the answer SDP. */
    public CompletableFuture<String> acceptOffer(String remoteOfferSdp) {
        return acceptOffer(remoteOfferSdp, UnaryOperator.identity());
    }

    /** As {@link #acceptOffer(String)}, with {@code shape} applied as {@link #createOffer(UnaryOperator)} does. */
    public CompletableFuture<String> acceptOffer(String remoteOfferSdp, UnaryOperator<String> shape) {
        RTCPeerConnection p = livePc();
        if (p == null) {
            return closedFuture();
        }
        return answerTo(crlf(remoteOfferSdp))
                .thenComposeAsync(answer -> setLocal(shaped(answer, shape)), executor)
                .thenComposeAsync(v -> localSdpWhenGathered(), executor)
                .thenApply(shape);
    }

    /** Applies the remote answer to our earlier offer. */
    public CompletableFuture<Void> applyAnswer(String remoteAnswerSdp) {
        if (livePc() == null) {
            return closedFuture();
        }
        return setRemote(new RTCSessionDescription(RTCSdpType.ANSWER, crlf(remoteAnswerSdp)));
    }

    /** Completes when the PeerConnection reaches CONNECTED; completes exceptionally on FAILED or CLOSED. */
    public CompletableFuture<Void> connected() {
        return connected.copy();
    }

    /** Current state as the name of an {@code RTCPeerConnectionState} (NEW, CONNECTING, CONNECTED, ...). */
    public String state() {
        return state;
    }

    /** What this peer has received so far (decoded audio at the track sink). Thread-safe snapshot. */
    public AudioStats received() {
        return meter.snapshot();
    }

    /**
     * A getStats report of this peer's PeerConnection, taken when libwebrtc's signaling thread gets to it (libwebrtc
     * may answer from a report cached for up to 50 ms).
     */
    public CompletableFuture<RTCStatsReport> stats() {
        RTCPeerConnection p = livePc();
        if (p == null) {
            return closedFuture();
        }
        CompletableFuture<RTCStatsReport> report = new CompletableFuture<>();
        p.getStats(delivered -> completeLater(report, delivered, null));
        return report;
    }

    /** RTP packets received so far (inbound-rtp {@code packetsReceived}; 0 before any stream exists). */
    public CompletableFuture<Long> packetsReceived() {
        return stats().thenApply(report -> report.getStats().values().stream()
                .filter(s -> s.getType() == RTCStatsType.INBOUND_RTP)
                .map(s -> s.getAttributes().get("packetsReceived"))
                .filter(Number.class::isInstance)
                .mapToLong(n -> ((Number) n).longValue())
                .sum());
    }

    /**
     * This peer's ICE role as libwebrtc reports it on the transport ({@code "controlling"}, {@code "controlled"}), or
     * {@code "unknown"} when no transport reports one yet.
     */
    public CompletableFuture<String> iceRole() {
        return stats().thenApply(report -> report.getStats().values().stream()
                .filter(s -> s.getType() == RTCStatsType.TRANSPORT)
                .map(RTCStats::getAttributes)
                .map(a -> a.get("iceRole"))
                .filter(Objects::nonNull)
                .map(Object::toString)
                .findFirst().orElse("unknown"));
    }

    /** Number of 10 ms frames the audio source has supplied (pulled by the audio module for sending). */
    public long framesSent() {
        return framesSent.get();
    }

    /** Changes the tone (0 = silence); only the generator's frequency changes, the module's source stays. */
    public void setToneHz(double hz) {
        tone.setFrequency(hz);
    }

    /** Format of the last buffer the remote track's sink delivered, for diagnostics. */
    String receivedFormat() {
        return meter.lastFormat();
    }

    /** Parameters of the audio module's first pull from our source, for diagnostics. */
    String sourceFormat() {
        return pulledSource.lastFormat;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "AudioPeer[" + name + ", " + state + "]";
    }

    /**
     * Idempotent teardown in the one order that gave no errors: remove the remote sink, remove the sender, close the
     * PeerConnection, dispose the local track, stop the module, dispose the factory, dispose the module. Never
     * throws; failures are logged.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LIVE.remove(this);
        long started = System.nanoTime();
        remote.detach(removal -> {
            step("remove remote sink", removal);
            return true;
        });
        RTCPeerConnection p = pc;
        RTCRtpSender s = sender;
        AudioTrack track = localTrack;
        HeadlessAudioDeviceModule module = adm;
        PeerConnectionFactory f = factory;
        pc = null;
        sender = null;
        localTrack = null;
        factory = null;
        adm = null;
        if (p != null && s != null) {
            step("remove track", () -> p.removeTrack(s));
        }
        if (p != null) {
            step("close peer connection", p::close);
        }
        if (track != null) {
            step("dispose local track", track::dispose);
        }
        if (module != null) {
            step("stop recording", module::stopRecording);
            step("stop playout", module::stopPlayout);
        }
        if (f != null) {
            step("dispose factory", f::dispose);
        }
        if (module != null) {
            step("dispose audio module", module::dispose);
        }
        state = RTCPeerConnectionState.CLOSED.name();
        IllegalStateException closedEx = closedException();
        connected.completeExceptionally(closedEx);
        gatheringComplete.completeExceptionally(closedEx);
        executor.shutdown();
        LOG.debugf("audio peer %s closed in %d ms", name, (System.nanoTime() - started) / 1_000_000);
    }

    // --- internals ---------------------------------------------------------------------------------------

    private void step(String what, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            LOG.warnf(t, "audio peer %s: %s failed", name, what);
        }
    }

    private RTCPeerConnection livePc() {
        return closed.get() ? null : pc;
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("audio peer " + name + " is closed");
    }

    private <T> CompletableFuture<T> closedFuture() {
        return CompletableFuture.failedFuture(closedException());
    }

    private CompletableFuture<Void> setLocal(RTCSessionDescription description) {
        RTCPeerConnection p = livePc();
        if (p == null) {
            return closedFuture();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        p.setLocalDescription(description, callbacks.set(done));
        return done;
    }

    private static RTCSessionDescription shaped(RTCSessionDescription description, UnaryOperator<String> shape) {
        return new RTCSessionDescription(description.sdpType, crlf(shape.apply(crlf(description.sdp))));
    }

    private CompletableFuture<Void> setRemote(RTCSessionDescription description) {
        RTCPeerConnection p = livePc();
        if (p == null) {
            return closedFuture();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        p.setRemoteDescription(description, callbacks.set(done));
        return done;
    }

    private CompletableFuture<String> localSdpWhenGathered() {
        RTCPeerConnection p = livePc();
        if (p == null) {
            return closedFuture();
        }
        if (p.getIceGatheringState() == RTCIceGatheringState.COMPLETE) {
            gatheringComplete.complete(null);
        }
        return gatheringComplete.thenApplyAsync(v -> {
            RTCPeerConnection q = livePc();
            if (q == null) {
                throw closedException();
            }
            RTCSessionDescription local = q.getLocalDescription();
            if (local == null) {
                throw new IllegalStateException("audio peer " + name + " has no local description");
            }
            return crlf(local.sdp);
        }, executor);
    }

    /** Normalises line endings to CRLF, the SDP standard. */
    static String crlf(String sdp) {
        if (sdp == null) {
            throw new IllegalArgumentException("SDP must not be null");
        }
        String s = sdp.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
        return s.endsWith("\r\n") ? s : s + "\r\n";
    }

    /** Completes a future on this peer's thread (never on the calling native thread). */
    private <T> void completeLater(CompletableFuture<T> future, T value, Throwable error) {
        callbacks.complete(future, value, error);
    }

    private void onRemoteAudio(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
        try {
            meter.accept(data, bitsPerSample, sampleRate, channels, frames);
        } catch (Throwable t) {
            if (!loggedSinkError) {
                loggedSinkError = true;
                LOG.errorf(t, "audio peer %s: received audio could not be measured", name);
            }
        }
    }

    private static void installShutdownHook() {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            // A JVM exiting with live calls can crash inside a JNI callback: close whatever is still open.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (AudioPeer peer : LIVE.toArray(new AudioPeer[0])) {
                    peer.close();
                }
            }, "callgate-media-shutdown"));
        }
    }

    /** Outgoing audio, pulled every 10 ms by the module's capture thread. Never blocks, never throws. */
    private final class PulledSource implements AudioSource {
        private final ByteOrder order = ByteOrder.nativeOrder();
        private volatile String lastFormat = "none";

        @Override
        public int onPlaybackData(byte[] buffer, int nSamples, int nBytesPerSample, int nChannels, int sampleRate) {
            try {
                if (framesSent.get() == 0) {
                    lastFormat = "nSamples=" + nSamples + " nBytesPerSample=" + nBytesPerSample + " nChannels="
                            + nChannels + " rate=" + sampleRate + " buffer=" + buffer.length;
                    LOG.debugf("audio peer %s: source pulled with %s", name, lastFormat);
                }
                int channels = Math.max(1, nChannels);
                // nBytesPerSample is the size of one sample frame (all channels), as WebRTC's AudioTransport uses it.
                int bytesPerFrame = nBytesPerSample >= 2 * channels ? nBytesPerSample : 2 * channels;
                int frames = Math.min(nSamples, buffer.length / bytesPerFrame);
                tone.fill(buffer, 0, frames, channels, bytesPerFrame, sampleRate, order);
                framesSent.incrementAndGet();
                return nSamples;
            } catch (Throwable t) {
                if (!loggedSourceError) {
                    loggedSourceError = true;
                    LOG.errorf(t, "audio peer %s: audio source failed (nSamples=%d bytesPerSample=%d channels=%d "
                            + "rate=%d); sending silence", name, nSamples, nBytesPerSample, nChannels, sampleRate);
                }
                java.util.Arrays.fill(buffer, (byte) 0);
                return nSamples;
            }
        }
    }

    /** Signaling thread: records the state; connected or failed completes {@link #connected()} on our thread. */
    private void onConnectionChange(RTCPeerConnectionState newState) {
        if (closed.get()) {
            return;
        }
        state = newState.name();
        LOG.debugf("audio peer %s: %s", name, newState);
        switch (newState) {
            case CONNECTED -> completeLater(connected, null, null);
            case FAILED, CLOSED -> completeLater(connected, null,
                    new IllegalStateException("audio peer " + name + " connection " + newState));
            default -> {
            }
        }
    }
}
