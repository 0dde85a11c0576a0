// The `bench` field: the same call made `calls` times, at most `concurrency` in flight, each
// with its own deadline, timed from start to close; answered with counts and percentiles.
package teams.client.contract;

import com.google.gson.JsonObject;
import io.grpc.Channel;
import io.grpc.Status;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

final class Bench {
  private final Channel channel;
  private final CaseRequest request;
  private final double[] latenciesMs;
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicInteger finished = new AtomicInteger();
  private final CompletableFuture<JsonObject> done = new CompletableFuture<>();
  private int errors;
  private Status firstError;
  private long wallStart;

  private Bench(Channel channel, CaseRequest request) {
    this.channel = channel;
    this.request = request;
    this.latenciesMs = new double[request.bench().calls()];
  }

  static CompletableFuture<JsonObject> run(Channel channel, CaseRequest request) {
    Bench bench = new Bench(channel, request);
    bench.wallStart = System.nanoTime();
    for (int i = 0; i < request.bench().concurrency(); i++) {
      bench.startNext();
    }
    return bench.done;
  }

  private void startNext() {
    int index = started.getAndIncrement();
    if (index >= latenciesMs.length) {
      return;
    }
    long start = System.nanoTime();
    CallRunner.call(channel, request).whenComplete((outcome, failure) -> {
      Status status = failure != null ? Status.fromThrowable(failure) : outcome.status();
      record(index, (System.nanoTime() - start) / 1e6, status);
      if (finished.incrementAndGet() == latenciesMs.length) {
        done.complete(result());
      } else {
        startNext();
      }
    });
  }

  private synchronized void record(int index, double latencyMs, Status status) {
    latenciesMs[index] = latencyMs;
    if (!status.isOk()) {
      errors++;
      if (firstError == null) {
        firstError = status;
      }
    }
  }

  private synchronized JsonObject result() {
    double wallMs = (System.nanoTime() - wallStart) / 1e6;
    double[] sorted = latenciesMs.clone();
    Arrays.sort(sorted);
    JsonObject latency = new JsonObject();
    latency.addProperty("p50", percentile(sorted, 50));
    latency.addProperty("p90", percentile(sorted, 90));
    latency.addProperty("p99", percentile(sorted, 99));
    latency.addProperty("max", sorted[sorted.length - 1]);
    JsonObject bench = new JsonObject();
    bench.addProperty("calls", sorted.length);
    bench.addProperty("errors", errors);
    bench.addProperty("wall_ms", wallMs);
    bench.add("latency_ms", latency);
    if (firstError != null) {
      bench.add("first_error", Results.status(firstError));
    }
    JsonObject result = new JsonObject();
    result.addProperty("id", request.id());
    result.add("bench", bench);
    return result;
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
