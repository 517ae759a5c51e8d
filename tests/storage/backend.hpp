// SPDX-License-Identifier: Apache-2.0
// What the conformance suite knows about the backend under test: the command
// line options (which plugin, which server), a fresh empty database per test
// case (sqlite: a temporary directory; postgres: a schema of its own in the
// private server), raw SQL access beside the plugin for the few checks that
// must look underneath it (stamping a future schema version, integrity_check),
// and control of the private PostgreSQL server (restart, pause, resume).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "test_host.hpp"

namespace trellis::storage_test {

struct Options {
  std::string backend;    // "sqlite" or "postgres"
  std::string plugin;     // path of the plugin library
  std::string dsn;        // postgres: libpq URI of the private server
  std::string pg_script;  // postgres: tests/support/postgres.sh
  std::string pg_dir;     // postgres: the server's directory
  std::string self;       // this executable, for child processes
};

Options &options();
bool is_postgres();
// Loaded on first use and kept for the life of the process.
StoragePlugin &plugin();

class Fresh {
 public:
  Fresh();
  ~Fresh();
  Fresh(const Fresh &) = delete;
  Fresh &operator=(const Fresh &) = delete;

  // This database's configuration, with `extra`'s keys added or replaced.
  nlohmann::json config(const nlohmann::json &extra = nlohmann::json::object()) const;
  const std::string &state_dir() const { return dir_; }
  Status open(std::unique_ptr<Store> &out,
              const nlohmann::json &extra = nlohmann::json::object()) const;

  // SQL run directly on the database (postgres: with search_path set to this
  // test's schema). query returns every row as text, columns joined by '|',
  // rows by '\n' ("" for none): a single value for "SELECT count(*)".
  void exec_sql(const std::string &sql) const;
  std::string query(const std::string &sql) const;

 private:
  std::string dir_;     // sqlite: holds management.db
  std::string schema_;  // postgres
};

// Runs `postgres.sh CMD DIR` for the private server; returns its exit status.
int control_postgres(const std::string &cmd);

}  // namespace trellis::storage_test
