// SPDX-License-Identifier: Apache-2.0
// Parsing of the sqlite plugin's configuration (see config.hpp and README.md).
#include "config.hpp"

#include <trellis/plugin.hpp>

#include "json_config.hpp"

namespace trellis::storage::sqlite {

Config parse_config(const char *config_json, const char *state_dir, int64_t supported_version) {
  JsonConfig cfg = JsonConfig::parse(config_json);
  Config out;
  std::string path = cfg.string("path").value_or("management.db");
  if (path.empty()) cfg.fail("path", "must not be empty");
  if (path == ":memory:" || path.rfind("file:", 0) == 0) {
    cfg.fail("path",
             "must name a file: in-memory and URI databases cannot be shared by the "
             "plugin's connections");
  }
  if (path.find('\0') != std::string::npos) cfg.fail("path", "must not contain NUL");
  if (path.front() != '/') {
    if (state_dir == nullptr || *state_dir == '\0') {
      cfg.fail("path", "is relative (\"" + path + "\") but the host gave no state_dir");
    }
    std::string dir(state_dir);
    if (dir.back() != '/') dir += '/';
    path = dir + path;
  }
  out.path = path;
  out.busy_timeout_ms = cfg.integer("busy_timeout_ms", out.busy_timeout_ms, 0, 600000);
  out.pool_size = cfg.integer("pool_size", out.pool_size, 1, 64);
  out.max_migration = cfg.integer("_max_migration", -1, 0, supported_version);
  cfg.finish();
  return out;
}

}  // namespace trellis::storage::sqlite
