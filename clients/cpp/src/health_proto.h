// Why: Debian's gRPC packages do not ship grpc/health/v1/health.proto, and the contract names
// its methods (grpc.health.v1.Health/Check). This is the standard file's service and messages,
// a stable public API, embedded so that the client needs nothing else at run time.
#pragma once

namespace teams {

inline constexpr char kHealthProtoPath[] = "grpc/health/v1/health.proto";

inline constexpr char kHealthProto[] = R"proto(
syntax = "proto3";

package grpc.health.v1;

message HealthCheckRequest {
  string service = 1;
}

message HealthCheckResponse {
  enum ServingStatus {
    UNKNOWN = 0;
    SERVING = 1;
    NOT_SERVING = 2;
    SERVICE_UNKNOWN = 3;  // Used only by the Watch method.
  }
  ServingStatus status = 1;
}

service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
}
)proto";

}  // namespace teams
