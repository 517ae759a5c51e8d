// SPDX-License-Identifier: Apache-2.0
// The postgres plugin's configuration: parsed from the plugin's JSON subtree,
// validated (the DSN with libpq's own parser, without connecting), with
// defaults applied, plus the connection string actually used.
#pragma once

#include <cstdint>
#include <string>

namespace trellis::storage::postgres {

struct Config {
  std::string dsn;                // as configured; may hold a password: never log it
  std::string schema = "public";  // all tables live here; created if absent
  int64_t pool_size = 4;
  int64_t connect_timeout_ms = 5000;
  int64_t statement_timeout_ms = 30000;  // 0: none
  int64_t acquire_timeout_ms = 10000;    // wait for a free pooled connection
  int64_t retry_attempts = 5;            // connection attempts per call before UNAVAILABLE
  int64_t retry_backoff_ms = 100;        // first pause; doubles, capped at 5 s
  int64_t max_migration = -1;            // test hook: stop migrating at this version
};

// Throws sdk::Error(TRELLIS_E_INVALID) with a message naming the bad key.
Config parse_config(const char *config_json, int64_t supported_version);

// The DSN with connect_timeout and application_name appended (libpq takes the
// last value of a repeated keyword).
std::string connection_string(const Config &config);

// "public" -> "\"public\"" (schema names are validated identifiers).
std::string quote_ident(const std::string &name);

}  // namespace trellis::storage::postgres
