// One channel per distinct (target, tls), made on first use and reused by every later case, as
// the contract allows. TLS uses grpc-java's TlsChannelCredentials (netty-shaded underneath):
// the case's CA is the only one trusted, server_name becomes the authority (SNI and the name the
// certificate is checked against), and a client certificate and key make it mutual TLS.
package teams.client.contract;

import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import teams.client.contract.CaseRequest.TlsOptions;

final class Channels implements AutoCloseable {
  private record Key(String target, TlsOptions tls) {}

  private final String defaultTarget;
  private final Map<Key, ManagedChannel> channels = new ConcurrentHashMap<>();

  Channels(String defaultTarget) {
    this.defaultTarget = defaultTarget;
  }

  ManagedChannel forCase(CaseRequest request) throws CaseException {
    return channel(new Key(request.target() == null ? defaultTarget : request.target(), request.tls()));
  }

  /**
   * Connects to the command line's target before the first case, at most {@code maxMillis}. A
   * cold JVM needs about a second (more on a busy machine) to load Netty and make its first
   * HTTP/2 connection; without this the first cases would pay for it out of their deadlines.
   * The process may start before the server listens (the harness starts it as soon as the
   * server's address is known), so a refused connection is tried again every 50 ms, not after
   * gRPC's reconnect backoff (1 s, then longer): a case sent the moment the server serves would
   * otherwise fail at once with UNAVAILABLE while the channel waited out that backoff.
   */
  void warmUp(long maxMillis) throws InterruptedException {
    ManagedChannel channel;
    try {
      channel = channel(new Key(defaultTarget, null));
    } catch (CaseException e) {
      return; // a bad target: every case will say so
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    while (System.nanoTime() < deadline) {
      ConnectivityState state = channel.getState(true);
      if (state == ConnectivityState.READY || state == ConnectivityState.SHUTDOWN) {
        return;
      }
      if (state == ConnectivityState.TRANSIENT_FAILURE) {
        channel.resetConnectBackoff();
      }
      Thread.sleep(50);
    }
  }

  private ManagedChannel channel(Key key) throws CaseException {
    ManagedChannel channel = channels.get(key);
    if (channel != null) {
      return channel;
    }
    ManagedChannel made = open(key);
    ManagedChannel raced = channels.putIfAbsent(key, made);
    if (raced != null) {
      made.shutdownNow();
      return raced;
    }
    return made;
  }

  private static ManagedChannel open(Key key) throws CaseException {
    ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(key.target(), credentials(key.tls()));
    if (key.tls() != null && key.tls().serverName() != null) {
      builder.overrideAuthority(key.tls().serverName());
    }
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new CaseException("bad target " + key.target() + ": " + e.getMessage(), e);
    }
  }

  private static ChannelCredentials credentials(TlsOptions tls) throws CaseException {
    if (tls == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
      if (tls.caPem() != null) {
        builder.trustManager(pem(tls.caPem()));
      }
      if (tls.clientCertPem() != null) {
        builder.keyManager(pem(tls.clientCertPem()), pem(PrivateKeys.toPkcs8Pem(tls.clientKeyPem())));
      }
      return builder.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new CaseException("bad tls material: " + e.getMessage(), e);
    }
  }

  private static InputStream pem(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** Lets calls in flight finish (they all have finished when this runs), then drops channels. */
  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel channel : channels.values()) {
      channel.shutdown();
    }
    for (ManagedChannel channel : channels.values()) {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    }
  }
}
