// SPDX-License-Identifier: Apache-2.0
// ConfigReader: typed, validated access to one YAML mapping of a config file.
// Every read records the key; finish() then refuses any key nobody read, so
// unknown keys, wrong types and missing required keys all become a ConfigError
// whose message starts "FILE:LINE:COLUMN: " (1-based, yaml-cpp marks + 1).
// Roles parse their own section with it; plugin subtrees pass through as JSON.
// finish() also checks every nested reader obtained through require_map, opt_map
// and get_map_list. A message without position (file unreadable) is "FILE: msg".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace trellis::core {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, const std::string &message);
  const std::string &file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  // The message without the "file:line:column: " prefix.
  const std::string &message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
};

class ConfigReader {
 public:
  // node must be a mapping (or null, read as an empty mapping); otherwise throws.
  ConfigReader(YAML::Node node, std::shared_ptr<const std::string> file);

  bool has(const std::string &key) const;

  // Required scalars: missing key or wrong type -> ConfigError at the key/value.
  std::string require_string(const std::string &key);
  int64_t require_int(const std::string &key);

  // Optional scalars with defaults.
  std::string get_string(const std::string &key, const std::string &def);
  int64_t get_int(const std::string &key, int64_t def, int64_t min = INT64_MIN,
                  int64_t max = INT64_MAX);
  bool get_bool(const std::string &key, bool def);
  double get_double(const std::string &key, double def);
  std::optional<std::string> opt_string(const std::string &key);
  std::vector<std::string> get_string_list(const std::string &key);
  // Duration like "30s", "5m", "250ms", "1h", or a bare number of seconds.
  int64_t get_duration_ms(const std::string &key, int64_t def_ms);
  // One of the allowed values, else an error listing them.
  std::string get_enum(const std::string &key, const std::string &def,
                       const std::vector<std::string> &allowed);

  // Nested mappings and lists of mappings.
  ConfigReader require_map(const std::string &key);
  std::optional<ConfigReader> opt_map(const std::string &key);
  std::vector<ConfigReader> get_map_list(const std::string &key);

  // A whole subtree as JSON (keys not validated here: it belongs to a plugin,
  // which validates it itself). Missing -> {}.
  nlohmann::json get_json(const std::string &key);

  // Throws ConfigError naming the first key that was never read.
  void finish() const;

  // Errors located at a key's value (or the mapping when the key is absent).
  [[noreturn]] void fail(const std::string &key, const std::string &message) const;
  [[noreturn]] void fail_here(const std::string &message) const;

  const std::string &file() const { return *file_; }
  const YAML::Node &node() const { return node_; }

  // Marks a key as handled elsewhere (e.g. a role's section, parsed by the
  // role): finish() will not refuse it, and nothing about it is validated here.
  void skip(const std::string &key);
  // The mapping's keys in file order (reading them does not mark them used).
  std::vector<std::string> keys() const;
  // Where a key is written (the mapping's position when absent).
  YAML::Mark key_mark(const std::string &key) const;
  // Throws a ConfigError at an explicit position of this file.
  [[noreturn]] void fail_at(const YAML::Mark &mark, const std::string &message) const;

 private:
  struct Entry {
    bool found = false;
    YAML::Node key;
    YAML::Node value;
  };
  Entry find(const std::string &key) const;
  Entry use(const std::string &key);
  YAML::Mark value_mark(const Entry &e) const;
  std::string scalar_of(const Entry &e, const std::string &key, const char *what) const;
  ConfigReader child(const Entry &e, const std::string &key);
  nlohmann::json to_json(const YAML::Node &n, int depth) const;

  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
  std::shared_ptr<std::vector<std::string>> used_;
  // Readers made by require_map/opt_map/get_map_list: finish() checks them too.
  std::shared_ptr<std::vector<ConfigReader>> children_;
  YAML::Mark mark_;  // of the mapping; the parent's key when the mapping is empty
};

}  // namespace trellis::core
