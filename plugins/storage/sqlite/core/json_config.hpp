// SPDX-License-Identifier: Apache-2.0
// JsonConfig: typed reading of a storage plugin's configuration, which crosses
// the ABI as the JSON text of the plugin's YAML subtree. Every read records its
// key; finish() refuses keys nobody read, so a misspelt option is an error
// rather than a silently ignored setting. Errors are sdk::Error with
// TRELLIS_E_INVALID and a message naming the key ("retry.attempts must be an
// integer between 1 and 100"). Shared by the sqlite and postgres plugins.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <trellis/plugin.hpp>

namespace trellis::storage {

class JsonConfig {
 public:
  // text NULL or empty reads as {}.
  static JsonConfig parse(const char *text) {
    if (text == nullptr || *text == '\0') return JsonConfig(nlohmann::json::object(), "");
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw sdk::Error(TRELLIS_E_INVALID, "configuration is not valid JSON");
    if (!j.is_object()) throw sdk::Error(TRELLIS_E_INVALID, "configuration must be a JSON object");
    return JsonConfig(std::move(j), "");
  }

  bool has(const std::string &key) const { return json_.contains(key); }

  std::optional<std::string> string(const std::string &key) {
    const nlohmann::json *v = take(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) fail(key, "must be a string");
    return v->get<std::string>();
  }

  int64_t integer(const std::string &key, int64_t def, int64_t min, int64_t max) {
    const nlohmann::json *v = take(key);
    if (v == nullptr || v->is_null()) return def;
    if (!v->is_number_integer() ||
        (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
      fail_range(key, min, max);
    }
    const auto n = v->get<int64_t>();
    if (n < min || n > max) fail_range(key, min, max);
    return n;
  }

  // A nested mapping (absent reads as {}).
  JsonConfig object(const std::string &key) {
    const nlohmann::json *v = take(key);
    if (v == nullptr || v->is_null()) return JsonConfig(nlohmann::json::object(), path(key) + ".");
    if (!v->is_object()) fail(key, "must be a mapping");
    return JsonConfig(*v, path(key) + ".");
  }

  void finish() const {
    std::string unknown;
    for (const auto &item : json_.items()) {
      if (used_.count(item.key()) != 0) continue;
      if (!unknown.empty()) unknown += ", ";
      unknown += path(item.key());
    }
    if (!unknown.empty())
      throw sdk::Error(TRELLIS_E_INVALID, "unknown configuration key: " + unknown);
  }

  [[noreturn]] void fail(const std::string &key, const std::string &message) const {
    throw sdk::Error(TRELLIS_E_INVALID, path(key) + " " + message);
  }

 private:
  JsonConfig(nlohmann::json j, std::string prefix)
      : json_(std::move(j)), prefix_(std::move(prefix)) {}

  const nlohmann::json *take(const std::string &key) {
    used_.insert(key);
    auto it = json_.find(key);
    return it == json_.end() ? nullptr : &*it;
  }
  std::string path(const std::string &key) const { return prefix_ + key; }
  [[noreturn]] void fail_range(const std::string &key, int64_t min, int64_t max) const {
    fail(key, "must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
  }

  nlohmann::json json_;
  std::string prefix_;
  std::set<std::string> used_;
};

}  // namespace trellis::storage
