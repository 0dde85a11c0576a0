// Why: see contract_json.h. Bad input must never crash the client: every check here turns into
// an `error` result, worded so that the harness's report says what was wrong.
#include "contract_json.h"

#include <cmath>

namespace teams {
using nlohmann::json;

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// A positive (or, with allow_zero, non-negative) JSON integer; throws the error text otherwise.
long long Count(const json& value, const std::string& name, bool allow_zero) {
  const std::string want = allow_zero ? "a non-negative integer" : "a positive integer";
  if (!value.is_number_integer()) throw std::runtime_error(name + " must be " + want);
  if (value.is_number_unsigned()) {
    const auto n = value.get<unsigned long long>();
    if (n > 0 || allow_zero) return n > (1ULL << 62) ? (1LL << 62) : static_cast<long long>(n);
  } else if (value.get<long long>() > 0 || (allow_zero && value.get<long long>() == 0)) {
    return value.get<long long>();
  }
  throw std::runtime_error(name + " must be " + want);
}

std::string String(const json& value, const std::string& name) {
  if (!value.is_string()) throw std::runtime_error(name + " must be a string");
  return value.get<std::string>();
}

Metadata ParseMetadata(const json& value) {
  if (!value.is_object()) throw std::runtime_error("metadata must be an object");
  Metadata md;
  for (const auto& [key, values] : value.items()) {
    if (!ValidMetadataKey(key)) throw std::runtime_error("bad metadata key: " + key);
    const json list = values.is_array() ? values : json::array({values});
    for (const auto& v : list) {
      std::string text = String(v, "metadata value of " + key);
      if (IsBinaryKey(key)) {
        auto raw = Base64Decode(text);
        if (!raw) throw std::runtime_error("bad base64 in metadata " + key + ": " + text);
        text = std::move(*raw);
      } else if (!ValidAsciiValue(text)) {
        throw std::runtime_error("metadata " + key + " must be printable ASCII");
      }
      md.emplace_back(key, std::move(text));
    }
  }
  return md;
}

TlsConfig ParseTls(const json& value) {
  if (!value.is_object()) throw std::runtime_error("tls must be an object");
  TlsConfig tls;
  auto field = [&](const char* name, std::string* out) {
    if (value.contains(name) && !value[name].is_null()) *out = String(value[name], name);
  };
  field("ca_pem", &tls.ca_pem);
  field("server_name", &tls.server_name);
  field("client_cert_pem", &tls.client_cert_pem);
  field("client_key_pem", &tls.client_key_pem);
  if (tls.client_cert_pem.empty() != tls.client_key_pem.empty()) {
    throw std::runtime_error("tls needs both client_cert_pem and client_key_pem, or neither");
  }
  return tls;
}

void Fill(const json& j, Case* c) {
  c->method = String(j.value("method", json()), "method");
  const json requests = j.value("requests", json::array());
  if (!requests.is_array()) throw std::runtime_error("requests must be an array");
  for (const auto& r : requests) {
    if (!r.is_object()) throw std::runtime_error("each request must be a JSON object");
    c->requests.push_back(r.dump());
  }
  auto present = [&](const char* name) { return j.contains(name) && !j[name].is_null(); };
  if (present("metadata")) c->metadata = ParseMetadata(j["metadata"]);
  if (present("timeout_ms")) c->timeout_ms = Count(j["timeout_ms"], "timeout_ms", false);
  if (present("cancel_after_responses")) {
    c->cancel_after_responses = Count(j["cancel_after_responses"], "cancel_after_responses", true);
  }
  if (present("path")) c->path = String(j["path"], "path");
  if (present("target")) c->target = String(j["target"], "target");
  if (present("tls")) c->tls = ParseTls(j["tls"]);
  if (present("compression")) {
    const std::string compression = String(j["compression"], "compression");
    if (compression != "gzip") throw std::runtime_error("unsupported compression: " + compression);
    c->gzip = true;
  }
  if (present("bench")) {
    const json& b = j["bench"];
    if (!b.is_object()) throw std::runtime_error("bench must be an object");
    BenchConfig bench;
    bench.calls = Count(b.value("calls", json()), "bench.calls", false);
    if (b.contains("concurrency")) bench.concurrency = Count(b["concurrency"], "bench.concurrency", false);
    c->bench = bench;
  }
}

}  // namespace

std::optional<json> ParseCase(const std::string& line, long long line_no, Case* out) {
  const std::string line_id = "line-" + std::to_string(line_no);
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return ErrorResult(line_id, "bad case request: not JSON");
  if (!j.is_object()) return ErrorResult(line_id, "bad case request: not a JSON object");
  if (!j.contains("id") || !j["id"].is_string()) {
    return ErrorResult(line_id, "bad case request: no string id");
  }
  out->id = j["id"].get<std::string>();
  try {
    Fill(j, out);
  } catch (const std::exception& e) {
    return ErrorResult(out->id, std::string("bad case request: ") + e.what());
  }
  return std::nullopt;
}

std::string Base64Encode(const std::string& raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  for (size_t i = 0; i < raw.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(raw[i]) << 16;
    if (i + 1 < raw.size()) n |= static_cast<unsigned char>(raw[i + 1]) << 8;
    if (i + 2 < raw.size()) n |= static_cast<unsigned char>(raw[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < raw.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < raw.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=' && text[i + 3] == '=') : 0;
    unsigned n = 0;
    for (int k = 0; k < 4; ++k) {
      const int s = k >= 4 - pad ? 0 : Sextet(text[i + k]);
      if (s < 0) return std::nullopt;
      n = n << 6 | static_cast<unsigned>(s);
    }
    out += static_cast<char>((n >> 16) & 255);
    if (pad < 2) out += static_cast<char>((n >> 8) & 255);
    if (pad < 1) out += static_cast<char>(n & 255);
  }
  return out;
}

bool ValidMetadataKey(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool ValidAsciiValue(const std::string& value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool IsBinaryKey(const std::string& key) {
  return key.size() >= 4 && key.compare(key.size() - 4, 4, "-bin") == 0;
}

json MetadataToJson(const Metadata& md) {
  json out = json::object();
  for (const auto& [key, value] : md) {
    out[key].push_back(IsBinaryKey(key) ? Base64Encode(value) : value);
  }
  return out;
}

json ErrorResult(const std::string& id, const std::string& error) {
  return json{{"id", id}, {"responses", json::array()}, {"error", error}};
}

std::string DumpLine(const json& result) {
  return result.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  if (rank < 1) rank = 1;
  return sorted[std::min(rank, sorted.size()) - 1];
}

}  // namespace teams
