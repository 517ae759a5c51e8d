// SPDX-License-Identifier: Apache-2.0
// The key/value records behind trellis_host_api.kv_get/kv_put: small JSON
// documents per plugin instance, in named collections, with optimistic
// revisions (TRELLIS_REV_NONE: must not exist; TRELLIS_REV_ANY; or the exact
// current revision, else TRELLIS_E_CONFLICT). KvBackend is the interface the
// management role replaces with its storage plugin; FileKvBackend, the default,
// keeps one JSON file per collection under <state_dir>/kv/<scope>/ and replaces
// it atomically on every write (temp file, fsync, rename, fsync of the dir).
// All calls are blocking (THREAD: pool) and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>
#include <trellis/plugin.h>

namespace trellis::core {

struct KvResult {
  trellis_status status = TRELLIS_OK;
  std::string value;      // kv_get: the JSON text
  uint64_t revision = 0;  // kv_get: current; kv_put: new
  std::string error;      // set when status != TRELLIS_OK
};

class KvBackend {
 public:
  virtual ~KvBackend() = default;
  // scope names the plugin instance ("auth/setup-key/default"): path-safe
  // segments separated by '/'. collection: [a-z0-9_.-]{1,64}; id: 1..256 bytes.
  virtual KvResult get(const std::string &scope, const std::string &collection,
                       const std::string &id) = 0;
  virtual KvResult put(const std::string &scope, const std::string &collection,
                       const std::string &id, const std::string &value_json,
                       uint64_t expected_revision) = 0;
};

// Checks shared by every backend; returns an error text or "".
std::string kv_check_names(const std::string &scope, const std::string &collection,
                           const std::string &id);

class FileKvBackend final : public KvBackend {
 public:
  explicit FileKvBackend(std::filesystem::path root);  // <state_dir>/kv
  KvResult get(const std::string &scope, const std::string &collection,
               const std::string &id) override;
  KvResult put(const std::string &scope, const std::string &collection, const std::string &id,
               const std::string &value_json, uint64_t expected_revision) override;

 private:
  // The collection's records: {"id": {"rev": N, "value": <json>}}; cached.
  nlohmann::json *load(const std::filesystem::path &file, std::string &error);
  bool store(const std::filesystem::path &file, const nlohmann::json &records, std::string &error);

  std::filesystem::path root_;
  std::mutex mu_;
  std::map<std::filesystem::path, nlohmann::json> cache_;
};

}  // namespace trellis::core
