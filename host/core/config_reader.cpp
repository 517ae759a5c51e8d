// SPDX-License-Identifier: Apache-2.0
// ConfigReader: typed reads of one YAML mapping, each recording its key, so that
// finish() can refuse keys nobody asked for. Every error is a ConfigError located
// at the offending value (or key, or the mapping when a key is missing), with
// 1-based line and column from yaml-cpp's 0-based marks. Scalars are typed here,
// after environment substitution (yaml_loader.cpp), never by yaml-cpp's lenient
// conversions: booleans are true/false only, integers are decimal, durations
// are <int><unit> sequences.
#include "core/config_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace trellis::core {
namespace {

std::string build_what(const std::string &file, int line, int column, const std::string &message) {
  if (line <= 0) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

const char *type_name(const YAML::Node &n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

bool is_plain(const YAML::Node &n) { return n.Tag() == "?" || n.Tag().empty(); }

std::string join(const std::vector<std::string> &v) {
  std::string out;
  for (const auto &s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::optional<int64_t> parse_int(const std::string &s) {
  int64_t v = 0;
  const char *b = s.data();
  const char *e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  if (b == e) return std::nullopt;
  auto r = std::from_chars(b, e, v, 10);
  if (r.ec != std::errc() || r.ptr != e) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string &s) {
  double v = 0;
  const char *b = s.data();
  const char *e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  if (b == e) return std::nullopt;
  auto r = std::from_chars(b, e, v, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != e || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "250ms", "30s", "5m", "1h", "1h30m", or a bare integer number of seconds.
std::optional<int64_t> parse_duration_ms(const std::string &s) {
  if (auto secs = parse_int(s)) {
    if (*secs < 0 || *secs > std::numeric_limits<int64_t>::max() / 1000) return std::nullopt;
    return *secs * 1000;
  }
  size_t i = 0;
  int64_t total = 0;
  if (s.empty()) return std::nullopt;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
    int64_t n = 0;
    auto r = std::from_chars(s.data() + start, s.data() + i, n, 10);
    if (r.ec != std::errc()) return std::nullopt;
    size_t unit_start = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
    std::string_view unit(s.data() + unit_start, i - unit_start);
    int64_t mult = 0;
    if (unit == "ms") mult = 1;
    else if (unit == "s") mult = 1000;
    else if (unit == "m") mult = 60 * 1000;
    else if (unit == "h") mult = 3600 * 1000;
    else return std::nullopt;
    if (n > (std::numeric_limits<int64_t>::max() - total) / mult) return std::nullopt;
    total += n * mult;
  }
  return total;
}

std::optional<bool> parse_bool(const std::string &s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

bool is_null_scalar(const std::string &s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

constexpr int kMaxJsonDepth = 64;

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, const std::string &message)
    : std::runtime_error(build_what(file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(message) {}

ConfigReader::ConfigReader(YAML::Node node, std::shared_ptr<const std::string> file)
    : node_(std::move(node)),
      file_(std::move(file)),
      used_(std::make_shared<std::vector<std::string>>()),
      children_(std::make_shared<std::vector<ConfigReader>>()),
      mark_(node_.Mark()) {
  if (!file_) file_ = std::make_shared<const std::string>("<config>");
  if (!node_.IsDefined() || node_.IsNull()) {
    node_ = YAML::Node(YAML::NodeType::Map);
  } else if (!node_.IsMap()) {
    throw ConfigError(*file_, mark_.line + 1, mark_.column + 1,
                      fmt::format("expected a mapping, got {}", type_name(node_)));
  }
}

[[noreturn]] void ConfigReader::fail_at(const YAML::Mark &mark, const std::string &message) const {
  const YAML::Mark &m = mark.is_null() ? mark_ : mark;
  if (m.is_null()) throw ConfigError(*file_, 0, 0, message);
  throw ConfigError(*file_, m.line + 1, m.column + 1, message);
}

ConfigReader::Entry ConfigReader::find(const std::string &key) const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return Entry{true, it->first, it->second};
  }
  return Entry{};
}

ConfigReader::Entry ConfigReader::use(const std::string &key) {
  if (std::find(used_->begin(), used_->end(), key) == used_->end()) used_->push_back(key);
  return find(key);
}

YAML::Mark ConfigReader::value_mark(const Entry &e) const {
  if (!e.found) return mark_;
  YAML::Mark m = e.value.Mark();
  if (m.is_null() || e.value.IsNull()) m = e.key.Mark();
  return m;
}

void ConfigReader::skip(const std::string &key) { use(key); }

bool ConfigReader::has(const std::string &key) const { return find(key).found; }

std::string ConfigReader::scalar_of(const Entry &e, const std::string &key, const char *what) const {
  if (!e.value.IsScalar())
    fail_at(value_mark(e), fmt::format("'{}' must be {}, got {}", key, what, type_name(e.value)));
  return e.value.Scalar();
}

std::string ConfigReader::require_string(const std::string &key) {
  Entry e = use(key);
  if (!e.found) fail_at(mark_, fmt::format("missing required key '{}'", key));
  if (e.value.IsNull()) fail_at(value_mark(e), fmt::format("'{}' must have a value", key));
  return scalar_of(e, key, "a string");
}

int64_t ConfigReader::require_int(const std::string &key) {
  Entry e = use(key);
  if (!e.found) fail_at(mark_, fmt::format("missing required key '{}'", key));
  if (e.value.IsNull()) fail_at(value_mark(e), fmt::format("'{}' must have a value", key));
  std::string s = scalar_of(e, key, "an integer");
  auto v = parse_int(s);
  if (!v) fail_at(value_mark(e), fmt::format("'{}' must be an integer, got '{}'", key, s));
  return *v;
}

std::string ConfigReader::get_string(const std::string &key, const std::string &def) {
  auto v = opt_string(key);
  return v ? *v : def;
}

int64_t ConfigReader::get_int(const std::string &key, int64_t def, int64_t min, int64_t max) {
  Entry e = use(key);
  if (!e.found || e.value.IsNull()) return def;
  std::string s = scalar_of(e, key, "an integer");
  auto v = parse_int(s);
  if (!v) fail_at(value_mark(e), fmt::format("'{}' must be an integer, got '{}'", key, s));
  if (*v < min || *v > max)
    fail_at(value_mark(e), fmt::format("'{}' must be between {} and {}, got {}", key, min, max, *v));
  return *v;
}

bool ConfigReader::get_bool(const std::string &key, bool def) {
  Entry e = use(key);
  if (!e.found || e.value.IsNull()) return def;
  std::string s = scalar_of(e, key, "true or false");
  auto v = parse_bool(s);
  if (!v) fail_at(value_mark(e), fmt::format("'{}' must be true or false, got '{}'", key, s));
  return *v;
}

double ConfigReader::get_double(const std::string &key, double def) {
  Entry e = use(key);
  if (!e.found || e.value.IsNull()) return def;
  std::string s = scalar_of(e, key, "a number");
  auto v = parse_double(s);
  if (!v) fail_at(value_mark(e), fmt::format("'{}' must be a number, got '{}'", key, s));
  return *v;
}

std::optional<std::string> ConfigReader::opt_string(const std::string &key) {
  Entry e = use(key);
  if (!e.found || e.value.IsNull()) return std::nullopt;
  return scalar_of(e, key, "a string");
}

std::vector<std::string> ConfigReader::get_string_list(const std::string &key) {
  Entry e = use(key);
  std::vector<std::string> out;
  if (!e.found || e.value.IsNull()) return out;
  if (!e.value.IsSequence())
    fail_at(value_mark(e), fmt::format("'{}' must be a list of strings, got {}", key, type_name(e.value)));
  for (const auto &item : e.value) {
    if (!item.IsScalar())
      fail_at(item.Mark(), fmt::format("items of '{}' must be strings, got {}", key, type_name(item)));
    out.push_back(item.Scalar());
  }
  return out;
}

int64_t ConfigReader::get_duration_ms(const std::string &key, int64_t def_ms) {
  Entry e = use(key);
  if (!e.found || e.value.IsNull()) return def_ms;
  std::string s = scalar_of(e, key, "a duration");
  auto v = parse_duration_ms(s);
  if (!v)
    fail_at(value_mark(e),
            fmt::format("'{}' must be a duration like 250ms, 30s, 5m or 1h, got '{}'", key, s));
  return *v;
}

std::string ConfigReader::get_enum(const std::string &key, const std::string &def,
                                   const std::vector<std::string> &allowed) {
  Entry e = use(key);
  if (!e.found || e.value.IsNull()) return def;
  std::string s = scalar_of(e, key, "a string");
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end())
    fail_at(value_mark(e), fmt::format("'{}' must be one of: {}; got '{}'", key, join(allowed), s));
  return s;
}

ConfigReader ConfigReader::child(const Entry &e, const std::string &key) {
  if (!e.value.IsNull() && !e.value.IsMap())
    fail_at(value_mark(e), fmt::format("'{}' must be a mapping, got {}", key, type_name(e.value)));
  ConfigReader r(e.value, file_);
  if (r.mark_.is_null()) r.mark_ = value_mark(e);
  children_->push_back(r);
  return r;
}

ConfigReader ConfigReader::require_map(const std::string &key) {
  Entry e = use(key);
  if (!e.found) fail_at(mark_, fmt::format("missing required key '{}'", key));
  return child(e, key);
}

std::optional<ConfigReader> ConfigReader::opt_map(const std::string &key) {
  Entry e = use(key);
  if (!e.found) return std::nullopt;
  return child(e, key);
}

std::vector<ConfigReader> ConfigReader::get_map_list(const std::string &key) {
  Entry e = use(key);
  std::vector<ConfigReader> out;
  if (!e.found || e.value.IsNull()) return out;
  if (!e.value.IsSequence())
    fail_at(value_mark(e), fmt::format("'{}' must be a list of mappings, got {}", key, type_name(e.value)));
  for (const auto &item : e.value) {
    if (!item.IsMap())
      fail_at(item.Mark(), fmt::format("items of '{}' must be mappings, got {}", key, type_name(item)));
    ConfigReader r(item, file_);
    children_->push_back(r);
    out.push_back(r);
  }
  return out;
}

nlohmann::json ConfigReader::to_json(const YAML::Node &n, int depth) const {
  if (depth > kMaxJsonDepth) fail_at(n.Mark(), "nesting too deep");
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return nullptr;
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto &item : n) arr.push_back(to_json(item, depth + 1));
      return arr;
    }
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar()) fail_at(it->first.Mark(), "mapping keys must be strings");
        obj[it->first.Scalar()] = to_json(it->second, depth + 1);
      }
      return obj;
    }
    case YAML::NodeType::Scalar: break;
  }
  const std::string &s = n.Scalar();
  const std::string &tag = n.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return s;  // quoted or !!str
  if (!is_plain(n) && tag.rfind("tag:yaml.org,2002:", 0) != 0) return s;
  if (is_null_scalar(s)) return nullptr;
  if (auto b = parse_bool(s)) return *b;
  if (auto i = parse_int(s)) return *i;
  if (auto d = parse_double(s)) {
    bool numeric = std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    });
    if (numeric) return *d;
  }
  return s;
}

nlohmann::json ConfigReader::get_json(const std::string &key) {
  Entry e = use(key);
  if (!e.found || e.value.IsNull()) return nlohmann::json::object();
  return to_json(e.value, 0);
}

void ConfigReader::finish() const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("<complex key>");
    if (std::find(used_->begin(), used_->end(), key) != used_->end()) continue;
    std::vector<std::string> known = *used_;
    std::sort(known.begin(), known.end());
    if (known.empty()) fail_at(it->first.Mark(), fmt::format("unknown key '{}'", key));
    fail_at(it->first.Mark(), fmt::format("unknown key '{}' (expected one of: {})", key, join(known)));
  }
  for (const auto &c : *children_) c.finish();
}

void ConfigReader::fail(const std::string &key, const std::string &message) const {
  Entry e = find(key);
  fail_at(e.found ? value_mark(e) : mark_, message);
}

void ConfigReader::fail_here(const std::string &message) const { fail_at(mark_, message); }

std::vector<std::string> ConfigReader::keys() const {
  std::vector<std::string> out;
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.IsScalar()) out.push_back(it->first.Scalar());
  return out;
}

YAML::Mark ConfigReader::key_mark(const std::string &key) const {
  Entry e = find(key);
  return e.found ? e.key.Mark() : mark_;
}

}  // namespace trellis::core
