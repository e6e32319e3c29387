package dev.callgate.call;

import jakarta.enterprise.context.ApplicationScoped;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** This running instance's name: the media owner recorded on the calls whose PeerConnection it holds. */
@ApplicationScoped
public class Instance {

    private final String id;

    public Instance(CallConfig config) {
        this.id = config.instanceId().filter(s -> !s.isBlank()).orElseGet(Instance::hostName);
    }

    public String id() {
        return id;
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
