// Why: see call.h. Unary RPCs use the unary reactor (so an OK status without a response is the
// library's error, as with a generated stub); every streaming kind uses the bidi reactor, which
// on the wire is the same as a server- or client-streaming call.
#include "call.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

namespace teams {
namespace {

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (buffer.Dump(&slices).ok()) {
    for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

Metadata Copy(const std::multimap<grpc::string_ref, grpc::string_ref>& md) {
  Metadata out;
  for (const auto& [key, value] : md) {
    out.emplace_back(std::string(key.data(), key.size()), std::string(value.data(), value.size()));
  }
  return out;
}

// OnDone runs on a gRPC thread; the case's thread waits here for it.
class Done {
 public:
  void Set(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }
  grpc::Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    return status_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

class UnaryCall : public grpc::ClientUnaryReactor {
 public:
  void OnDone(const grpc::Status& status) override { done.Set(status); }
  Done done;
};

class StreamCall : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(grpc::ClientContext* context, const CallSpec& spec) : context_(context), spec_(spec) {
    for (const auto& r : spec.requests) requests_.push_back(ToBuffer(r));
  }
  void Start() {
    StartRead(&read_);
    WriteNext();
    StartCall();
  }
  void OnWriteDone(bool ok) override {
    if (ok) WriteNext();  // not ok: the call is over; OnDone reports how
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    responses.push_back(FromBuffer(read_));
    const auto& n = spec_.cancel_after_responses;
    if (n && static_cast<long long>(responses.size()) >= *n) {
      context_->TryCancel();
    } else {
      StartRead(&read_);
    }
  }
  void OnDone(const grpc::Status& status) override { done.Set(status); }

  Done done;
  std::vector<std::string> responses;

 private:
  void WriteNext() {
    if (next_ < requests_.size()) {
      StartWrite(&requests_[next_++]);
    } else {
      StartWritesDone();
    }
  }
  grpc::ClientContext* context_;
  const CallSpec& spec_;
  std::vector<grpc::ByteBuffer> requests_;
  size_t next_ = 0;
  grpc::ByteBuffer read_;
};

}  // namespace

CallOutcome Call(grpc::GenericStub& stub, const CallSpec& spec) {
  grpc::ClientContext context;
  if (spec.metadata != nullptr) {
    for (const auto& [key, value] : *spec.metadata) context.AddMetadata(key, value);
  }
  if (spec.gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  if (spec.timeout_ms) {
    // Capped at ~95 years, so that a huge timeout_ms cannot overflow the clock's nanoseconds.
    const long long ms = std::min(*spec.timeout_ms, 3'000'000'000'000LL);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
  }
  const bool cancel_at_start = spec.cancel_after_responses && *spec.cancel_after_responses == 0;
  CallOutcome outcome;
  if (spec.unary) {
    const grpc::ByteBuffer request = ToBuffer(spec.requests.at(0));
    grpc::ByteBuffer response;
    UnaryCall call;
    stub.PrepareUnaryCall(&context, spec.path, grpc::StubOptions(), &request, &response, &call);
    call.StartCall();
    if (cancel_at_start) context.TryCancel();
    outcome.status = call.done.Wait();
    if (outcome.status.ok()) outcome.responses.push_back(FromBuffer(response));
  } else {
    StreamCall call(&context, spec);
    stub.PrepareBidiStreamingCall(&context, spec.path, grpc::StubOptions(), &call);
    call.Start();
    if (cancel_at_start) context.TryCancel();
    outcome.status = call.done.Wait();
    outcome.responses = std::move(call.responses);
  }
  outcome.initial_metadata = Copy(context.GetServerInitialMetadata());
  outcome.trailing_metadata = Copy(context.GetServerTrailingMetadata());
  return outcome;
}

}  // namespace teams
