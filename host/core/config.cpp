// SPDX-License-Identifier: Apache-2.0
// Parsing of the top-level config model (config.hpp) with ConfigReader. The
// host reads its own keys and only the names of the roles; each role's section
// goes to that role's factory untouched.
#include "core/config.hpp"

#include <charconv>
#include <filesystem>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include "core/yaml_loader.hpp"

namespace trellis::core {
namespace {

std::string resolve_path(const std::string &file, const std::string &p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || p.empty()) return p;
  std::filesystem::path base = std::filesystem::path(file).parent_path();
  return (base / path).lexically_normal().string();
}

std::string available_roles(const std::map<std::string, RoleFactory> &roles) {
  if (roles.empty()) return "none";
  std::string out;
  for (const auto &[name, factory] : roles) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(const std::string &text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) return std::nullopt;  // bare IPv6 needs [..]
  }
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  unsigned value = 0;
  auto r = std::from_chars(port.data(), port.data() + port.size(), value);
  if (r.ec != std::errc() || r.ptr != port.data() + port.size() || value > 65535) return std::nullopt;
  return ListenAddress{addr.to_string(), static_cast<uint16_t>(value)};
}

ConfigReader HostConfig::role_reader(const RoleSection &role) const {
  return ConfigReader(role.node, file);
}

void HostConfig::fail_at(const YAML::Mark &mark, const std::string &message) const {
  if (mark.is_null()) throw ConfigError(*file, 0, 0, message);
  throw ConfigError(*file, mark.line + 1, mark.column + 1, message);
}

HostConfig parse_host_config(const YAML::Node &root, std::shared_ptr<const std::string> file,
                             const std::map<std::string, RoleFactory> &registry) {
  HostConfig cfg;
  cfg.file = file;
  ConfigReader top(root, file);

  if (auto log = top.opt_map("log")) {
    cfg.log_level = log->get_enum("level", cfg.log_level, kLogLevels);
    cfg.log_format = log->get_enum("format", "text", {"text", "json"}) == "json" ? LogFormat::json
                                                                                 : LogFormat::text;
  }
  if (auto metrics = top.opt_map("metrics")) {
    std::string listen = metrics->require_string("listen");
    if (!parse_listen_address(listen))
      metrics->fail("listen", fmt::format("'listen' must be \"IP:PORT\" or \"[IPv6]:PORT\", got '{}'",
                                          listen));
    cfg.metrics_listen = listen;
  }
  cfg.state_dir = resolve_path(*file, top.get_string("state_dir", cfg.state_dir));
  if (cfg.state_dir.empty()) top.fail("state_dir", "'state_dir' must not be empty");
  for (const auto &dir : top.get_string_list("plugin_dirs")) {
    cfg.plugin_dirs.push_back(resolve_path(*file, dir));
  }
  cfg.workers = static_cast<int>(top.get_int("workers", cfg.workers, 1, 256));
  cfg.shutdown_timeout_ms = top.get_duration_ms("shutdown_timeout", cfg.shutdown_timeout_ms);
  if (cfg.shutdown_timeout_ms < 100)
    top.fail("shutdown_timeout", "'shutdown_timeout' must be at least 100ms");

  cfg.roles_mark = top.key_mark("roles");
  if (auto roles = top.opt_map("roles")) {
    for (const std::string &name : roles->keys()) {
      YAML::Mark mark = roles->key_mark(name);
      if (registry.find(name) == registry.end()) {
        roles->fail_at(mark, fmt::format("role '{}' is not available in this build (available: {})",
                                         name, available_roles(registry)));
      }
      YAML::Node section = roles->node()[name];
      if (!section.IsNull() && !section.IsMap())
        roles->fail(name, fmt::format("role '{}': its section must be a mapping", name));
      roles->skip(name);  // the role's factory validates the content
      cfg.roles.push_back(RoleSection{name, section, mark});
    }
  }
  top.finish();
  return cfg;
}

std::vector<std::string> read_plugin_dirs(const std::string &path, const EnvLookup &env) {
  YamlDocument doc = load_yaml_file(path, env);
  ConfigReader top(doc.root, doc.file);
  std::vector<std::string> dirs;
  for (const auto &dir : top.get_string_list("plugin_dirs")) dirs.push_back(resolve_path(path, dir));
  return dirs;
}

HostConfig load_host_config(const std::string &path, const EnvLookup &env) {
  YamlDocument doc = load_yaml_file(path, env);
  return parse_host_config(doc.root, doc.file, registered_roles());
}

}  // namespace trellis::core
