// Why: everything about the contract's JSON lines that needs no network (parsing and checking a
// case request, base64 for -bin metadata, shaping results), kept apart from gRPC so that it can
// be unit-tested on its own (tests/contract_json_test.cc).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace teams {

using Metadata = std::vector<std::pair<std::string, std::string>>;  // key, raw value

struct TlsConfig {
  std::string ca_pem, server_name, client_cert_pem, client_key_pem;
};

struct BenchConfig {
  long long calls = 0;
  long long concurrency = 1;
};

// One case request line (clients/CONTRACT.md, "Case request"), checked and decoded.
struct Case {
  std::string id;
  std::string method;
  std::vector<std::string> requests;  // each request as proto3 JSON text
  Metadata metadata;                  // -bin values already base64-decoded
  std::optional<long long> timeout_ms;
  std::optional<long long> cancel_after_responses;
  std::optional<std::string> path;
  std::optional<std::string> target;
  std::optional<TlsConfig> tls;
  bool gzip = false;
  std::optional<BenchConfig> bench;
};

// Parses line number line_no. On failure returns the error result to print: under the case's
// id when the line had one, else under "line-N".
std::optional<nlohmann::json> ParseCase(const std::string& line, long long line_no, Case* out);

std::string Base64Encode(const std::string& raw);
// Standard, padded base64 only; nullopt for anything else.
std::optional<std::string> Base64Decode(const std::string& text);

// What gRPC core accepts as a metadata key, and as an ASCII value.
bool ValidMetadataKey(const std::string& key);
bool ValidAsciiValue(const std::string& value);
bool IsBinaryKey(const std::string& key);

// Received metadata as the contract shows it: key -> list of values, -bin values base64.
nlohmann::json MetadataToJson(const Metadata& md);

nlohmann::json ErrorResult(const std::string& id, const std::string& error);

// One line of output: compact JSON, invalid UTF-8 replaced rather than thrown on.
std::string DumpLine(const nlohmann::json& result);

// Nearest-rank percentile of sorted values (p in 0..100); 0 for none.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace teams
