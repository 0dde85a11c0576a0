// The tutorial's Teams client, plus the harness contract behind --contract.
// It lives in the unnamed package because teams.proto has no package (on purpose: the package is
// part of every method path), so protoc puts the generated classes there and only code in the
// unnamed package can use them. The contract executor itself is generic: it gets the generated
// file descriptors as arguments and never names a message class.

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthProto;
import java.util.List;
import java.util.concurrent.TimeUnit;
import teams.client.contract.ContractExecutor;

public final class TeamsClient {
  private static final List<String> DEMO_CITIES = List.of("Chicago", "Philadelphia", "Miami");

  private TeamsClient() {}

  public static void main(String[] args) throws InterruptedException {
    String target = "localhost:50051";
    boolean contract = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--contract" -> contract = true;
        case "--target" -> {
          if (i + 1 >= args.length) {
            usage("--target needs host:port");
          }
          target = args[++i];
        }
        case "-h", "--help" -> {
          System.out.println("usage: teams-client [--target host:port] [--contract]");
          return;
        }
        default -> usage("unknown argument " + args[i]);
      }
    }
    if (contract) {
      int code = new ContractExecutor(
              target, List.of(TeamsOuterClass.getDescriptor(), HealthProto.getDescriptor()))
          .run(System.in, System.out);
      System.exit(code);
    }
    demo(target);
  }

  /** The tutorial's three GetTeam calls and three printed lines. */
  private static void demo(String target) throws InterruptedException {
    ManagedChannel channel =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    try {
      TeamsGrpc.TeamsBlockingStub stub = TeamsGrpc.newBlockingStub(channel);
      for (String city : DEMO_CITIES) {
        TeamsOuterClass.TeamResponse response =
            stub.getTeam(TeamsOuterClass.TeamRequest.newBuilder().setCity(city).build());
        System.out.println("Teams client received: " + response.getCity() + " " + response.getNickname());
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void usage(String problem) {
    System.err.println("teams-client: " + problem);
    System.err.println("usage: teams-client [--target host:port] [--contract]");
    System.exit(2);
  }
}
