package dev.callgate.media;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Hands libwebrtc's callbacks over to a peer's own executor: futures are completed there, never on the calling native
 * thread; also the one PeerConnection observer both peers use. One per {@link AudioPeer} or {@link MediaCall}.
 */
final class SdpCallbacks {

    private final Executor executor;
    private final String label;
    private final Supplier<? extends Throwable> whenClosed;

    /**
     * @param label      names the peer in errors ("audio peer x", "call y")
     * @param whenClosed the failure for a future whose completion the closed executor refused
     */
    SdpCallbacks(Executor executor, String label, Supplier<? extends Throwable> whenClosed) {
        this.executor = executor;
        this.label = label;
        this.whenClosed = whenClosed;
    }

    /** Completes the future on the executor (exceptionally when {@code error} is set). */
    <T> void complete(CompletableFuture<T> future, T value, Throwable error) {
        try {
            executor.execute(() -> {
                if (error != null) {
                    future.completeExceptionally(error);
                } else {
                    future.complete(value);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(whenClosed.get());
        }
    }

    /** An observer of createOffer / createAnswer that completes the future. */
    CreateSessionDescriptionObserver created(CompletableFuture<RTCSessionDescription> future) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                complete(future, description, null);
            }

            @Override
            public void onFailure(String error) {
                complete(future, null, new IllegalStateException(label + ": " + error));
            }
        };
    }

    /**
     * The PeerConnection's observer: non-trickle (the end of ICE gathering completes {@code gatheringComplete}; the
     * candidates are read from the local description then), connection states and remote tracks handed on.
     */
    PeerConnectionObserver peer(CompletableFuture<Void> gatheringComplete,
                                Consumer<RTCPeerConnectionState> onConnectionChange, Consumer<RTCRtpTransceiver> onTrack) {
        return peer(gatheringComplete, onConnectionChange, onTrack, candidate -> {
        });
    }

    /** As above; {@code onCandidate} hears of each candidate gathered (on libwebrtc's thread: keep it short). */
    PeerConnectionObserver peer(CompletableFuture<Void> gatheringComplete,
                                Consumer<RTCPeerConnectionState> onConnectionChange, Consumer<RTCRtpTransceiver> onTrack,
                                Consumer<RTCIceCandidate> onCandidate) {
        return new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate candidate) {
                onCandidate.accept(candidate); // non-trickle: the candidates are read from the local description
            }

            @Override
            public void onIceGatheringChange(RTCIceGatheringState gatheringState) {
                if (gatheringState == RTCIceGatheringState.COMPLETE) {
                    complete(gatheringComplete, null, null);
                }
            }

            @Override
            public void onConnectionChange(RTCPeerConnectionState newState) {
                onConnectionChange.accept(newState);
            }

            @Override
            public void onTrack(RTCRtpTransceiver transceiver) {
                onTrack.accept(transceiver);
            }
        };
    }

    /** An observer of setLocalDescription / setRemoteDescription that completes the future. */
    SetSessionDescriptionObserver set(CompletableFuture<Void> future) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                complete(future, null, null);
            }

            @Override
            public void onFailure(String error) {
                complete(future, null, new IllegalStateException(label + ": " + error));
            }
        };
    }
}
