// Makes one call of a case with a plain ClientCall (no generated stub), so every kind of RPC —
// unary, server-, client- or bidirectional streaming — goes through the same few lines: send all
// requests, half-close, collect what comes back. It never blocks a thread: the result is a
// future completed by grpc-java's listener.
package teams.client.contract;

import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

final class CallRunner {
  /** Everything a call showed: its status, its responses and both kinds of metadata. */
  record Outcome(Status status, List<DynamicMessage> responses, Metadata headers, Metadata trailers) {}

  private CallRunner() {}

  static CompletableFuture<Outcome> call(Channel channel, CaseRequest request) {
    CallOptions options = CallOptions.DEFAULT;
    if (request.timeoutMs() != null) {
      options = options.withDeadlineAfter(request.timeoutMs(), TimeUnit.MILLISECONDS);
    }
    if (request.gzip()) {
      options = options.withCompression("gzip");
    }
    ClientCall<DynamicMessage, DynamicMessage> call = channel.newCall(
        MethodCatalog.grpcMethod(request.method(), request.fullMethodName()), options);
    Listener listener = new Listener(
        call, request.cancelAfterResponses(), request.method().isServerStreaming());
    Metadata headers = new Metadata();
    headers.merge(request.headers());
    call.start(listener, headers);
    call.request(1);
    if (listener.cancelDue()) {
      call.cancel("cancelled by the client after 0 responses", null);
      return listener.outcome;
    }
    for (DynamicMessage message : request.requests()) {
      call.sendMessage(message);
    }
    call.halfClose();
    return listener.outcome;
  }

  /** Collects the responses one at a time and cancels once it has seen enough of them. */
  private static final class Listener extends ClientCall.Listener<DynamicMessage> {
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final ClientCall<DynamicMessage, DynamicMessage> call;
    private final Integer cancelAfter;
    private final boolean streamedResponses;
    private final List<DynamicMessage> responses = new ArrayList<>();
    private Metadata headers = new Metadata();
    private boolean cancelled;

    Listener(ClientCall<DynamicMessage, DynamicMessage> call, Integer cancelAfter, boolean streamedResponses) {
      this.call = call;
      this.cancelAfter = cancelAfter;
      this.streamedResponses = streamedResponses;
    }

    synchronized boolean cancelDue() {
      cancelled = cancelAfter != null && responses.size() >= cancelAfter;
      return cancelled;
    }

    @Override
    public synchronized void onHeaders(Metadata received) {
      headers = received;
    }

    @Override
    public void onMessage(DynamicMessage message) {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        responses.add(message);
      }
      if (cancelDue()) {
        call.cancel("cancelled by the client after " + cancelAfter + " responses", null);
      } else {
        call.request(1);
      }
    }

    @Override
    public synchronized void onClose(Status status, Metadata trailers) {
      // A single response only counts when the call succeeds: a server may send a message and
      // then fail (grpcio's health servicer does for an unknown service), and every stub — Java's
      // own ClientCalls included — drops it then. Only a response stream keeps what came first.
      List<DynamicMessage> received = status.isOk() || streamedResponses ? List.copyOf(responses) : List.of();
      outcome.complete(new Outcome(status, received, headers, trailers));
    }
  }
}
