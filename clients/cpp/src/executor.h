// Why: one place that turns a checked Case into gRPC calls and a result object. Calls go
// through grpc::GenericStub with serialized dynamic messages (ByteBuffer in, ByteBuffer out),
// so every RPC kind of every parsed service works without generated stubs.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/channel.h>
#include <nlohmann/json.hpp>

#include "contract_json.h"
#include "proto_catalog.h"

namespace teams {

class Executor {
 public:
  Executor(const ProtoCatalog& catalog, std::string default_target);

  // The result line's object for one case: status/responses/metadata, bench, or error.
  nlohmann::json Run(const Case& c);

 private:
  // One channel per distinct (target, tls), reused across cases.
  std::shared_ptr<grpc::Channel> ChannelFor(const Case& c);

  const ProtoCatalog& catalog_;
  const std::string default_target_;
  std::mutex channels_mu_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace teams
