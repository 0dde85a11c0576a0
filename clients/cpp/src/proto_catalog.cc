// Why: see proto_catalog.h. The importer reads the proto directory from disk; the health proto
// is served from memory by a source tree that sits in front of the disk.
#include "proto_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "health_proto.h"

#ifndef TEAMS_DEFAULT_PROTO_DIR
#define TEAMS_DEFAULT_PROTO_DIR "../../proto"
#endif

namespace teams {
namespace pb = google::protobuf;

namespace {

// The disk, except for the embedded health proto.
class SourceTree : public pb::compiler::SourceTree {
 public:
  explicit SourceTree(const std::string& dir) { disk_.MapPath("", dir); }
  pb::io::ZeroCopyInputStream* Open(const std::string& filename) override {
    if (filename == kHealthProtoPath) {
      return new pb::io::ArrayInputStream(kHealthProto, static_cast<int>(std::strlen(kHealthProto)));
    }
    return disk_.Open(filename);
  }
  std::string GetLastErrorMessage() override { return disk_.GetLastErrorMessage(); }

 private:
  pb::compiler::DiskSourceTree disk_;
};

class Errors : public pb::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& file, int line, int column, const std::string& message) override {
    text += file + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
            message + "\n";
  }
  std::string text;
};

}  // namespace

struct ProtoCatalog::Parts {
  explicit Parts(const std::string& dir) : tree(dir), importer(&tree, &errors) {}
  SourceTree tree;
  Errors errors;
  pb::compiler::Importer importer;
  pb::DynamicMessageFactory factory;
};

ProtoCatalog::~ProtoCatalog() = default;

std::unique_ptr<ProtoCatalog> ProtoCatalog::Load(const std::string& proto_dir, std::string* error) {
  std::unique_ptr<ProtoCatalog> catalog(new ProtoCatalog());
  catalog->parts_ = std::make_unique<Parts>(proto_dir);
  std::vector<std::string> files{kHealthProtoPath};
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(proto_dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".proto") {
      files.push_back(entry.path().filename().string());
    }
  }
  if (ec || files.size() == 1) {
    *error = "no .proto files in " + proto_dir + " (set TEAMS_PROTO_DIR)";
    return nullptr;
  }
  std::sort(files.begin() + 1, files.end());
  for (const auto& file : files) {
    if (catalog->parts_->importer.Import(file) == nullptr) {
      *error = "cannot parse " + file + " in " + proto_dir + ":\n" + catalog->parts_->errors.text;
      return nullptr;
    }
  }
  return catalog;
}

const pb::MethodDescriptor* ProtoCatalog::FindMethod(const std::string& name) const {
  const auto slash = name.find('/');
  if (slash == std::string::npos || name.find('/', slash + 1) != std::string::npos) return nullptr;
  const auto* service = parts_->importer.pool()->FindServiceByName(name.substr(0, slash));
  return service == nullptr ? nullptr : service->FindMethodByName(name.substr(slash + 1));
}

std::unique_ptr<pb::Message> ProtoCatalog::NewMessage(const pb::Descriptor* type) const {
  std::lock_guard<std::mutex> lock(factory_mu_);
  return std::unique_ptr<pb::Message>(parts_->factory.GetPrototype(type)->New());
}

std::string DefaultProtoDir() {
  const char* env = std::getenv("TEAMS_PROTO_DIR");
  return env != nullptr && *env != '\0' ? env : TEAMS_DEFAULT_PROTO_DIR;
}

}  // namespace teams
