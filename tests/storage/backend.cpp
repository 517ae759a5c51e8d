// SPDX-License-Identifier: Apache-2.0
// The backend under test (see backend.hpp).
#include "backend.hpp"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <stdexcept>
#include <vector>

namespace trellis::storage_test {

Options &options() {
  static Options o;
  return o;
}

bool is_postgres() { return options().backend == "postgres"; }

StoragePlugin &plugin() {
  static StoragePlugin p(options().plugin);
  return p;
}

namespace {

std::atomic<int> g_counter{0};

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "trellis-storage-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

class Sqlite {
 public:
  explicit Sqlite(const std::string &path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      const std::string msg = sqlite3_errmsg(db_);
      sqlite3_close(db_);
      throw std::runtime_error("sqlite open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Sqlite() { sqlite3_close(db_); }
  std::string query(const std::string &sql) {
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error("sqlite prepare: " + std::string(sqlite3_errmsg(db_)));
    }
    std::string out;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (!out.empty()) out += '\n';
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt, i));
        if (i > 0) out += '|';
        out += text != nullptr ? text : "";
      }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
      throw std::runtime_error("sqlite step: " + std::string(sqlite3_errmsg(db_)));
    return out;
  }

 private:
  sqlite3 *db_ = nullptr;
};

}  // namespace

Fresh::Fresh() {
  if (is_postgres()) {
    schema_ = "t" + std::to_string(getpid()) + "_" + std::to_string(g_counter++);
  } else {
    dir_ = make_temp_dir();
  }
}

Fresh::~Fresh() {
  try {
    if (is_postgres()) {
      pqxx::connection c(options().dsn);
      pqxx::nontransaction tx(c);
      tx.exec("DROP SCHEMA IF EXISTS \"" + schema_ + "\" CASCADE");
    } else {
      std::filesystem::remove_all(dir_);
    }
  } catch (...) {
    // The server may be paused by a failed test; nothing else to do here.
  }
}

nlohmann::json Fresh::config(const nlohmann::json &extra) const {
  nlohmann::json c = nlohmann::json::object();
  if (is_postgres()) {
    c["dsn"] = options().dsn;
    c["schema"] = schema_;
    c["retry"] = {{"attempts", 4}, {"backoff_ms", 50}};
  }
  for (const auto &item : extra.items()) c[item.key()] = item.value();
  return c;
}

Status Fresh::open(std::unique_ptr<Store> &out, const nlohmann::json &extra) const {
  return Store::open(plugin(), config(extra).dump(), dir_, out);
}

void Fresh::exec_sql(const std::string &sql) const { query(sql); }

std::string Fresh::query(const std::string &sql) const {
  if (!is_postgres()) return Sqlite(dir_ + "/management.db").query(sql);
  pqxx::connection c(options().dsn);
  pqxx::nontransaction tx(c);
  tx.exec("SET search_path TO \"" + schema_ + "\"");
  const pqxx::result r = tx.exec(sql);
  std::string out;
  for (const auto &row : r) {
    if (!out.empty()) out += '\n';
    for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
      if (i > 0) out += '|';
      out += row[i].is_null() ? "" : row[i].c_str();
    }
  }
  return out;
}

int control_postgres(const std::string &cmd) {
  const Options &o = options();
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    std::vector<char *> argv{const_cast<char *>(o.pg_script.c_str()),
                             const_cast<char *>(cmd.c_str()), const_cast<char *>(o.pg_dir.c_str()),
                             nullptr};
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace trellis::storage_test
