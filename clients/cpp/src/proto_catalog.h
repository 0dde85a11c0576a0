// Why: no protoc and no generated code. The .proto files are parsed when the client starts,
// so the client always speaks the proto directory it is pointed at, and a new RPC needs no
// change here: it is found by name.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

namespace teams {

// Every .proto file of a directory plus the standard grpc.health.v1 service, as descriptors.
class ProtoCatalog {
 public:
  // Parses every *.proto directly in proto_dir; nullptr and *error on a parse failure.
  static std::unique_ptr<ProtoCatalog> Load(const std::string& proto_dir, std::string* error);

  // "Service/Method" with the service's full proto name (e.g. grpc.health.v1.Health/Check).
  const google::protobuf::MethodDescriptor* FindMethod(const std::string& name) const;

  // A new, empty dynamic message of the given type (thread-safe).
  std::unique_ptr<google::protobuf::Message> NewMessage(
      const google::protobuf::Descriptor* type) const;

  ~ProtoCatalog();

 private:
  ProtoCatalog() = default;
  struct Parts;
  std::unique_ptr<Parts> parts_;
  mutable std::mutex factory_mu_;
};

// Where the .proto files are: $TEAMS_PROTO_DIR, else the directory baked in at configure time.
std::string DefaultProtoDir();

}  // namespace teams
