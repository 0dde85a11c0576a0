// Why: the contract executor (clients/CONTRACT.md). The main thread only reads stdin; each case
// runs on its own thread as soon as its line is read (the harness bounds how many are open), and
// result lines are written whole under a lock. At end of input it joins the cases and exits 0.
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "contract_json.h"
#include "demo.h"
#include "executor.h"
#include "proto_catalog.h"

namespace {

std::mutex out_mu;

void Emit(const nlohmann::json& result) {
  const std::string line = teams::DumpLine(result);
  std::lock_guard<std::mutex> lock(out_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

int Contract(const std::string& target) {
  std::string error;
  const auto catalog = teams::ProtoCatalog::Load(teams::DefaultProtoDir(), &error);
  if (!catalog) {
    std::cerr << "teams-client: " << error << "\n";
    return 1;
  }
  teams::Executor executor(*catalog, target);
  // Detached threads, counted: a finished case frees its thread at once, however long the run.
  std::mutex mu;
  std::condition_variable idle;
  long long running = 0;
  std::string line;
  for (long long n = 1; std::getline(std::cin, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    teams::Case c;
    if (auto bad = teams::ParseCase(line, n, &c)) {
      Emit(*bad);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      ++running;
    }
    std::thread([&, c = std::move(c)] {
      Emit(executor.Run(c));
      std::lock_guard<std::mutex> lock(mu);
      if (--running == 0) idle.notify_all();
    }).detach();
  }
  std::unique_lock<std::mutex> lock(mu);
  idle.wait(lock, [&] { return running == 0; });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  bool contract = false;
  std::string target = teams::DefaultTarget();
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--contract") == 0) {
      contract = true;
    } else if (std::strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
      target = argv[++i];
    } else {
      std::cerr << "usage: teams-client [--contract] [--target HOST:PORT]\n";
      return 2;
    }
  }
  return contract ? Contract(target) : teams::RunDemo(target);
}
