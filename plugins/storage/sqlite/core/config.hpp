// SPDX-License-Identifier: Apache-2.0
// The sqlite plugin's configuration: parsed from the plugin's JSON subtree and
// the instance's state_dir, validated, with defaults applied. Pure: touches no
// files (the store checks the path when it opens it).
#pragma once

#include <cstdint>
#include <string>

namespace trellis::storage::sqlite {

struct Config {
  std::string path;                // absolute; relative paths resolved against state_dir
  int64_t busy_timeout_ms = 5000;  // wait for locks held by other writers
  int64_t pool_size = 4;           // connections, shared by readers and the one writer
  // Test hook: stop migrating at this schema version (-1: migrate fully).
  int64_t max_migration = -1;
};

// Throws sdk::Error(TRELLIS_E_INVALID) with a message naming the bad key.
// supported_version bounds "_max_migration".
Config parse_config(const char *config_json, const char *state_dir, int64_t supported_version);

}  // namespace trellis::storage::sqlite
