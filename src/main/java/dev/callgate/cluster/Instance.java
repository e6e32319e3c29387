package dev.callgate.cluster;

import dev.callgate.call.CallConfig;

import jakarta.enterprise.context.ApplicationScoped;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This running instance's name — the media owner recorded on the calls whose PeerConnection it holds — and this
 * process's epoch under that name (bumped by {@link InstanceLease} each time a process takes the instance's lease;
 * 0 until then).
 */
@ApplicationScoped
public class Instance {

    private final String id;
    private volatile long epoch;

    public Instance(CallConfig config) {
        this.id = config.instanceId().filter(s -> !s.isBlank()).orElseGet(Instance::hostName);
    }

    public String id() {
        return id;
    }

    /** This process's epoch as the instance: a media owner's calls and routed commands carry it. */
    public long epoch() {
        return epoch;
    }

    void epoch(long epoch) {
        this.epoch = epoch;
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "callgate";
        }
    }
}
