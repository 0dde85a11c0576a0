// The harness contract (clients/CONTRACT.md): reads case requests from stdin on one thread,
// starts each as soon as its line is read (calls are asynchronous, so any number run at once),
// writes each result as one whole line as soon as it is known, and returns 0 once stdin has
// ended and every result is written.
package teams.client.contract;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Phaser;

public final class ContractExecutor {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private final String target;
  private final MethodCatalog catalog;

  public ContractExecutor(String target, List<FileDescriptor> files) {
    this.target = target;
    this.catalog = new MethodCatalog(files);
  }

  public int run(InputStream in, OutputStream out) {
    PrintStream results = new PrintStream(out, false, StandardCharsets.UTF_8);
    // One party per case in flight, plus this thread: EOF waits for them all.
    Phaser inFlight = new Phaser(1);
    try (Channels channels = new Channels(target);
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      channels.warmUp(5000);
      int number = 0;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        inFlight.register();
        execute(channels, number, line).whenComplete((result, failure) -> {
          write(results, result);
          inFlight.arriveAndDeregister();
        });
      }
      inFlight.arriveAndAwaitAdvance();
    } catch (IOException e) {
      System.err.println("teams-client: reading stdin failed: " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    results.flush();
    return results.checkError() ? 1 : 0;
  }

  /** A future that always completes with a result object (an `error` one when it must). */
  CompletableFuture<JsonObject> execute(Channels channels, int number, String line) {
    JsonObject json = CaseRequest.parseLine(line);
    if (json == null) {
      return CompletableFuture.completedFuture(Results.error(
          "line-" + number, "line " + number + " is not a JSON object with a string id"));
    }
    String id = json.get("id").getAsString();
    try {
      CaseRequest request = CaseRequest.parse(json, catalog);
      var channel = channels.forCase(request);
      CompletableFuture<JsonObject> result = request.bench() != null
          ? Bench.run(channel, request)
          : CallRunner.call(channel, request).thenApply(outcome -> {
              try {
                return Results.call(id, outcome);
              } catch (Exception e) {
                return Results.error(id, "cannot print a response: " + e);
              }
            });
      return result.exceptionally(failure -> Results.error(id, "call failed: " + failure));
    } catch (CaseException e) {
      return CompletableFuture.completedFuture(Results.error(id, e.getMessage()));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Results.error(id, "cannot run the case: " + e));
    }
  }

  private static void write(PrintStream results, JsonObject result) {
    String text = GSON.toJson(result) + "\n";
    synchronized (results) {
      results.print(text);
      results.flush();
    }
  }
}
