// SPDX-License-Identifier: Apache-2.0
// The top-level config model: what the host itself reads from a trellis YAML
// file before handing each role its own section.
//
//   log: {level: info, format: text}     # trace|debug|info|warn|error; text|json
//   metrics: {listen: "127.0.0.1:9102"}  # optional; Prometheus text at /metrics
//   state_dir: /var/lib/trellis          # created 0700
//   plugin_dirs: [/usr/lib/trellis/plugins]  # searched in order, then the default
//   workers: 4                           # blocking-pool threads
//   shutdown_timeout: 30s                # graceful stop limit before a forced exit
//   roles:
//     signal: {...}                      # role name -> that role's section
//
// Relative paths (state_dir, plugin_dirs) are relative to the config file's
// directory. Role names are checked against the roles registered in this build;
// role sections are parsed later by the role factories (runtime.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config_reader.hpp"
#include "core/env_subst.hpp"
#include "core/role.hpp"

namespace trellis::core {

enum class LogFormat { text, json };

struct RoleSection {
  std::string name;
  YAML::Node node;  // the section (mapping or null)
  YAML::Mark mark;  // where the role's key is written
};

struct HostConfig {
  std::shared_ptr<const std::string> file;
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;
  std::optional<std::string> metrics_listen;  // "ip:port" or "[ip6]:port"
  std::string state_dir = "/var/lib/trellis";
  std::vector<std::string> plugin_dirs;
  int workers = 4;
  int64_t shutdown_timeout_ms = 30000;
  std::vector<RoleSection> roles;  // in file order
  YAML::Mark roles_mark;           // the `roles` key, or the top of the file

  // A fresh reader over one role's section (throws if it is not a mapping).
  ConfigReader role_reader(const RoleSection &role) const;
  [[noreturn]] void fail_at(const YAML::Mark &mark, const std::string &message) const;
};

inline const std::vector<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error"};

// Reads, substitutes and validates a config file. Throws ConfigError.
HostConfig load_host_config(const std::string &path, const EnvLookup &env = process_env());

// The same from an already loaded document; `roles` is the registry role names
// are checked against.
HostConfig parse_host_config(const YAML::Node &root, std::shared_ptr<const std::string> file,
                             const std::map<std::string, RoleFactory> &roles);

// Only the plugin_dirs of a config file (resolved like load_host_config does),
// without validating the rest: for `trellis plugins -c FILE`. Throws ConfigError.
std::vector<std::string> read_plugin_dirs(const std::string &path,
                                          const EnvLookup &env = process_env());

// "127.0.0.1:9102", "[::1]:9102" -> address and port; nullopt when malformed.
struct ListenAddress {
  std::string address;
  uint16_t port = 0;
};
std::optional<ListenAddress> parse_listen_address(const std::string &text);

}  // namespace trellis::core
