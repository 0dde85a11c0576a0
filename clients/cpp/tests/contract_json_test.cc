// Why: the contract's JSON and metadata rules (bad lines, line-N ids, base64, deadlines) are
// where a client quietly drifts from the others; these checks need no server and no gRPC.
#include <iostream>
#include <string>

#include "contract_json.h"

namespace {

int failures = 0;
int checks = 0;

void Check(bool ok, const std::string& what) {
  ++checks;
  if (!ok) {
    ++failures;
    std::cerr << "FAIL: " << what << "\n";
  }
}

// The error text of a line that must be rejected, under the expected id.
void Rejects(const std::string& line, const std::string& id, const std::string& what) {
  teams::Case c;
  const auto bad = teams::ParseCase(line, 7, &c);
  Check(bad.has_value() && (*bad)["id"] == id && (*bad)["error"].is_string() &&
            (*bad)["responses"] == nlohmann::json::array(),
        what);
}

}  // namespace

int main() {
  using teams::Base64Decode;
  using teams::Base64Encode;

  // base64, as -bin metadata needs it
  Check(Base64Encode("") == "", "encode empty");
  Check(Base64Encode(std::string("\x00\x01\x02\xff", 4)) == "AAEC/w==", "encode 4 bytes");
  Check(Base64Encode("\xab\xab\xab") == "q6ur", "encode 3 bytes");
  Check(Base64Decode("AAEC/w==") == std::string("\x00\x01\x02\xff", 4), "decode padded");
  Check(Base64Decode("q6ur") == std::string("\xab\xab\xab"), "decode unpadded group");
  Check(Base64Decode("YQ==") == std::string("a"), "decode two pads");
  Check(!Base64Decode("YQ"), "reject missing padding");
  Check(!Base64Decode("Y=Q="), "reject inner padding");
  Check(!Base64Decode("!!!!"), "reject bad characters");
  for (int n = 0; n < 40; ++n) {
    std::string raw;
    for (int i = 0; i < n; ++i) raw += static_cast<char>((i * 37 + n) & 255);
    Check(Base64Decode(Base64Encode(raw)) == raw, "round trip " + std::to_string(n));
  }

  // a good case line
  teams::Case c;
  const auto ok = teams::ParseCase(
      R"({"id":"a","method":"Teams/GetTeam","requests":[{"city":"Chicago"}],"timeout_ms":500,)"
      R"("metadata":{"x-one":["1","2"],"x-two-bin":["AAEC/w=="]},"cancel_after_responses":0,)"
      R"("path":"/Teams/Nope","compression":"gzip","bench":{"calls":3,"concurrency":2},"future":1})",
      1, &c);
  Check(!ok.has_value(), "good line accepted");
  Check(c.id == "a" && c.method == "Teams/GetTeam" && c.requests.size() == 1, "id, method, requests");
  Check(nlohmann::json::parse(c.requests.at(0)) == nlohmann::json{{"city", "Chicago"}}, "request JSON");
  Check(c.timeout_ms == 500 && c.cancel_after_responses == 0 && c.path == "/Teams/Nope", "options");
  Check(c.gzip && c.bench && c.bench->calls == 3 && c.bench->concurrency == 2, "gzip and bench");
  Check(c.metadata == teams::Metadata{{"x-one", "1"}, {"x-one", "2"},
                                      {"x-two-bin", std::string("\x00\x01\x02\xff", 4)}},
        "metadata decoded");

  // bad lines: line-N without a usable id, else the case's id
  Rejects("not json", "line-7", "not JSON");
  Rejects("[1,2]", "line-7", "not an object");
  Rejects(R"({"id":5,"method":"Teams/GetTeam"})", "line-7", "id not a string");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","timeout_ms":0})", "b", "zero timeout");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","timeout_ms":-5})", "b", "negative timeout");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","timeout_ms":1.5})", "b", "fractional timeout");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","timeout_ms":"100"})", "b", "string timeout");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","metadata":{"k-bin":["%%"]}})", "b", "bad base64");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","metadata":{"Upper":["x"]}})", "b", "bad key");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","metadata":{"k":["a\nb"]}})", "b", "bad value");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","requests":[1]})", "b", "request not an object");
  Rejects(R"({"id":"b","method":"Teams/GetTeam","compression":"br"})", "b", "unknown compression");
  Rejects(R"({"id":"b"})", "b", "no method");

  // results
  const auto md = teams::MetadataToJson({{"a", "1"}, {"a", "2"}, {"b-bin", "\xab\xab\xab"}});
  Check(md == nlohmann::json{{"a", {"1", "2"}}, {"b-bin", {"q6ur"}}}, "metadata to JSON");
  Check(teams::DumpLine({{"m", std::string("\xff")}}) == "{\"m\":\"\xef\xbf\xbd\"}\n",
        "invalid UTF-8 replaced, one line");
  Check(teams::Percentile({1, 2, 3, 4}, 50) == 2 && teams::Percentile({1, 2, 3, 4}, 99) == 4 &&
            teams::Percentile({}, 50) == 0,
        "percentiles");

  std::cout << (checks - failures) << " passed, " << failures << " failed\n";
  return failures == 0 ? 0 : 1;
}
