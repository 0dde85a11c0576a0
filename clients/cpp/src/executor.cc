// Why: see executor.h. Requests are converted (proto3 JSON -> dynamic message -> bytes) before
// anything is sent, so a request that does not match its type is an `error`, never a call.
#include "executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "call.h"

namespace teams {
namespace pb = google::protobuf;
using nlohmann::json;

namespace {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string ToBytes(const ProtoCatalog& catalog, const pb::Descriptor* type, const std::string& text) {
  auto message = catalog.NewMessage(type);
  const auto status = pb::util::JsonStringToMessage(text, message.get());
  if (!status.ok()) {
    throw Failure("request does not match " + type->full_name() + ": " + std::string(status.message()));
  }
  return message->SerializeAsString();
}

json ToJson(const ProtoCatalog& catalog, const pb::Descriptor* type, const std::string& bytes) {
  auto message = catalog.NewMessage(type);
  std::string text;
  if (!message->ParseFromString(bytes) || !pb::util::MessageToJsonString(*message, &text).ok()) {
    throw Failure("cannot decode a " + type->full_name() + " response");
  }
  return json::parse(text);
}

json BenchResult(grpc::GenericStub& stub, const CallSpec& spec, const BenchConfig& bench) {
  std::atomic<long long> next{0};
  std::mutex mu;
  std::vector<double> latencies;
  long long errors = 0;
  json first_error;
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    while (next.fetch_add(1) < bench.calls) {
      const auto t0 = std::chrono::steady_clock::now();
      const CallOutcome outcome = Call(stub, spec);
      const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - t0;
      std::lock_guard<std::mutex> lock(mu);
      latencies.push_back(took.count());
      if (!outcome.status.ok() && errors++ == 0) {
        first_error = {{"code", static_cast<int>(outcome.status.error_code())},
                       {"message", outcome.status.error_message()}};
      }
    }
  };
  std::vector<std::thread> threads;
  for (long long i = 0; i < std::min(bench.concurrency, bench.calls); ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  const std::chrono::duration<double, std::milli> wall = std::chrono::steady_clock::now() - start;
  std::sort(latencies.begin(), latencies.end());
  json result = {{"calls", bench.calls},
                 {"errors", errors},
                 {"wall_ms", wall.count()},
                 {"latency_ms",
                  {{"p50", Percentile(latencies, 50)},
                   {"p90", Percentile(latencies, 90)},
                   {"p99", Percentile(latencies, 99)},
                   {"max", latencies.empty() ? 0.0 : latencies.back()}}}};
  if (errors > 0) result["first_error"] = first_error;
  return result;
}

}  // namespace

Executor::Executor(const ProtoCatalog& catalog, std::string default_target)
    : catalog_(catalog), default_target_(std::move(default_target)) {}

std::shared_ptr<grpc::Channel> Executor::ChannelFor(const Case& c) {
  const std::string target = c.target.value_or(default_target_);
  std::string key = target;
  if (c.tls) {
    key += '\0' + c.tls->ca_pem + '\0' + c.tls->server_name + '\0' + c.tls->client_cert_pem +
           '\0' + c.tls->client_key_pem;
  }
  std::lock_guard<std::mutex> lock(channels_mu_);
  auto& channel = channels_[key];
  if (!channel) {
    grpc::ChannelArguments args;
    std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
    if (c.tls) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = c.tls->ca_pem;
      ssl.pem_cert_chain = c.tls->client_cert_pem;
      ssl.pem_private_key = c.tls->client_key_pem;
      creds = grpc::SslCredentials(ssl);
      if (!c.tls->server_name.empty()) args.SetSslTargetNameOverride(c.tls->server_name);
    }
    channel = grpc::CreateCustomChannel(target, creds, args);
  }
  return channel;
}

json Executor::Run(const Case& c) {
  try {
    const pb::MethodDescriptor* method = catalog_.FindMethod(c.method);
    if (method == nullptr) throw Failure("unknown method: " + c.method);
    const bool single_request = !method->client_streaming();
    if (single_request && c.requests.size() != 1) {
      throw Failure(c.method + " takes exactly one request, got " + std::to_string(c.requests.size()));
    }
    CallSpec spec;
    spec.path = c.path.value_or("/" + method->service()->full_name() + "/" + method->name());
    spec.unary = single_request && !method->server_streaming();
    for (const auto& r : c.requests) spec.requests.push_back(ToBytes(catalog_, method->input_type(), r));
    spec.metadata = &c.metadata;
    spec.timeout_ms = c.timeout_ms;
    spec.cancel_after_responses = c.cancel_after_responses;
    spec.gzip = c.gzip;

    grpc::GenericStub stub(ChannelFor(c));
    if (c.bench) return {{"id", c.id}, {"bench", BenchResult(stub, spec, *c.bench)}};

    const CallOutcome outcome = Call(stub, spec);
    json responses = json::array();
    for (const auto& r : outcome.responses) responses.push_back(ToJson(catalog_, method->output_type(), r));
    return {{"id", c.id},
            {"status", {{"code", static_cast<int>(outcome.status.error_code())},
                        {"message", outcome.status.error_message()}}},
            {"responses", responses},
            {"initial_metadata", MetadataToJson(outcome.initial_metadata)},
            {"trailing_metadata", MetadataToJson(outcome.trailing_metadata)}};
  } catch (const std::exception& e) {
    return ErrorResult(c.id, e.what());
  }
}

}  // namespace teams
