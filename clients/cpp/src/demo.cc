// Why: see demo.h. Without generated stubs, the demo builds its TeamRequest as a dynamic
// message from the parsed proto and reads the TeamResponse fields by name.
#include "demo.h"

#include <chrono>
#include <cstdlib>
#include <iostream>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include "call.h"
#include "proto_catalog.h"

namespace teams {

std::string DefaultTarget() {
  const char* env = std::getenv("TEAMS_TARGET");
  return env != nullptr && *env != '\0' ? env : "localhost:50051";
}

int RunDemo(const std::string& target) {
  std::string error;
  const auto catalog = ProtoCatalog::Load(DefaultProtoDir(), &error);
  const auto* method = catalog ? catalog->FindMethod("Teams/GetTeam") : nullptr;
  if (method == nullptr) {
    std::cerr << "teams-demo: " << (catalog ? "no Teams/GetTeam in the proto" : error) << "\n";
    return 1;
  }
  grpc::GenericStub stub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  for (const char* city : {"Chicago", "Philadelphia", "Miami"}) {
    auto request = catalog->NewMessage(method->input_type());
    request->GetReflection()->SetString(request.get(), method->input_type()->FindFieldByName("city"), city);
    CallSpec spec;
    spec.path = "/Teams/GetTeam";
    spec.unary = true;
    spec.requests = {request->SerializeAsString()};
    spec.timeout_ms = 10000;
    const CallOutcome outcome = Call(stub, spec);
    auto response = catalog->NewMessage(method->output_type());
    if (!outcome.status.ok() || !response->ParseFromString(outcome.responses.at(0))) {
      std::cerr << "teams-demo: GetTeam(" << city << "): " << outcome.status.error_code() << " "
                << outcome.status.error_message() << "\n";
      return 1;
    }
    const auto* type = method->output_type();
    const auto* reflection = response->GetReflection();
    std::cout << "Teams client received: "
              << reflection->GetString(*response, type->FindFieldByName("city")) << " "
              << reflection->GetString(*response, type->FindFieldByName("nickname")) << std::endl;
  }
  return 0;
}

}  // namespace teams
