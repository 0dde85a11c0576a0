// Why: a single gRPC call through the generic callback API, run to completion from a plain
// thread: the reactors do the streaming, the caller just waits for the outcome.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/status.h>

#include "contract_json.h"

namespace teams {

struct CallSpec {
  std::string path;                   // "/Service/Method"
  bool unary = false;                 // a unary RPC (one request, one response)
  std::vector<std::string> requests;  // serialized request messages
  const Metadata* metadata = nullptr;
  std::optional<long long> timeout_ms;
  std::optional<long long> cancel_after_responses;
  bool gzip = false;
};

struct CallOutcome {
  grpc::Status status;
  std::vector<std::string> responses;  // serialized response messages, in order
  Metadata initial_metadata, trailing_metadata;
};

CallOutcome Call(grpc::GenericStub& stub, const CallSpec& spec);

}  // namespace teams
