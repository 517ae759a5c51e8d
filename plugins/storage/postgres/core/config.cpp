// SPDX-License-Identifier: Apache-2.0
// Parsing of the postgres plugin's configuration (see config.hpp, README.md).
#include "config.hpp"

#include <libpq-fe.h>

#include <trellis/plugin.hpp>

#include "../../sqlite/core/json_config.hpp"

namespace trellis::storage::postgres {

namespace {

bool is_uri(const std::string &dsn) {
  return dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
}

bool valid_schema(const std::string &s) {
  if (s.empty() || s.size() > 63) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return s.rfind("pg_", 0) != 0;
}

}  // namespace

Config parse_config(const char *config_json, int64_t supported_version) {
  JsonConfig cfg = JsonConfig::parse(config_json);
  Config out;
  const std::optional<std::string> dsn = cfg.string("dsn");
  if (!dsn || dsn->empty())
    cfg.fail("dsn", "is required (e.g. \"postgresql://trellis@db/trellis\")");
  char *err = nullptr;
  PQconninfoOption *opts = PQconninfoParse(dsn->c_str(), &err);
  if (opts == nullptr) {
    std::string why = err != nullptr ? err : "out of memory";
    PQfreemem(err);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    cfg.fail("dsn", "is not a valid libpq connection string: " + why);
  }
  PQconninfoFree(opts);
  out.dsn = *dsn;
  out.schema = cfg.string("schema").value_or(out.schema);
  if (!valid_schema(out.schema)) {
    cfg.fail("schema", "must match [a-z_][a-z0-9_]{0,62} and not start with pg_");
  }
  out.pool_size = cfg.integer("pool_size", out.pool_size, 1, 64);
  out.connect_timeout_ms = cfg.integer("connect_timeout_ms", out.connect_timeout_ms, 1000, 600000);
  out.statement_timeout_ms =
      cfg.integer("statement_timeout_ms", out.statement_timeout_ms, 0, 3600000);
  out.acquire_timeout_ms = cfg.integer("acquire_timeout_ms", out.acquire_timeout_ms, 1, 600000);
  JsonConfig retry = cfg.object("retry");
  out.retry_attempts = retry.integer("attempts", out.retry_attempts, 1, 100);
  out.retry_backoff_ms = retry.integer("backoff_ms", out.retry_backoff_ms, 1, 60000);
  retry.finish();
  out.max_migration = cfg.integer("_max_migration", -1, 0, supported_version);
  cfg.finish();
  return out;
}

std::string connection_string(const Config &config) {
  const int64_t seconds = (config.connect_timeout_ms + 999) / 1000;
  if (is_uri(config.dsn)) {
    const char sep = config.dsn.find('?') == std::string::npos ? '?' : '&';
    return config.dsn + sep + "connect_timeout=" + std::to_string(seconds) +
           "&application_name=trellis";
  }
  return config.dsn + " connect_timeout=" + std::to_string(seconds) + " application_name=trellis";
}

std::string quote_ident(const std::string &name) { return "\"" + name + "\""; }

}  // namespace trellis::storage::postgres
