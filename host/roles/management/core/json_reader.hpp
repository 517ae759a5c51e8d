// SPDX-License-Identifier: Apache-2.0
// JsonReader: strict, exception-free reading of one JSON object for API input
// and stored records. Every getter records the key it read; finish() refuses any
// key nobody read. The first problem wins and is kept as "path.key: message"
// (e.g. `policy.ports[1]: expected "N" or "N-M" with 1 <= N <= M <= 65535`),
// which the REST API returns to the caller as is. JSON null counts as absent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace trellis::mgmt {

// A validator: nullptr when `value` is acceptable, else a message (static text).
using Check = const char *(*)(std::string_view value);

enum class Need { required, optional };

class JsonReader {
 public:
  // `error` is shared by nested readers; the reader does nothing once it is set.
  JsonReader(const nlohmann::json &object, std::string path, std::string &error);

  bool ok() const { return error_.empty(); }
  const std::string &path() const { return path_; }
  // Present and not null.
  bool has(const char *key) const;

  void string(const char *key, std::string &out, Need need, Check check = nullptr);
  void boolean(const char *key, bool &out, Need need);
  void integer(const char *key, int64_t &out, Need need, int64_t min, int64_t max);
  void string_list(const char *key, std::vector<std::string> &out, Need need,
                   Check check = nullptr, size_t max_items = 1024, bool unique = true);
  // The raw value (must be an object); used for free-form maps such as event meta.
  void any_object(const char *key, nlohmann::json &out, Need need);

  // Nested object: fn(JsonReader &) then finish() on it.
  template <typename Fn>
  void object(const char *key, Need need, Fn &&fn) {
    const nlohmann::json *v = take(key, need);
    if (v == nullptr) return;
    if (!v->is_object()) return fail(key, "expected an object");
    JsonReader inner(*v, path_ + "." + key, error_);
    fn(inner);
    inner.finish();
  }
  // Array of objects: fn(JsonReader &, index) for each, then finish() on each.
  template <typename Fn>
  void object_list(const char *key, Need need, size_t max_items, Fn &&fn) {
    const nlohmann::json *v = take(key, need);
    if (v == nullptr) return;
    if (!v->is_array()) return fail(key, "expected an array");
    if (v->size() > max_items) return fail(key, "too many items");
    for (size_t i = 0; i < v->size() && ok(); ++i) {
      const nlohmann::json &item = (*v)[i];
      std::string where = path_ + "." + key + "[" + std::to_string(i) + "]";
      if (!item.is_object()) {
        error_ = where + ": expected an object";
        return;
      }
      JsonReader inner(item, std::move(where), error_);
      fn(inner, i);
      inner.finish();
    }
  }

  // The raw value at key (marked read); nullptr when absent or null.
  const nlohmann::json *value(const char *key, Need need) { return take(key, need); }

  // Records "path.key: message" unless an error is already set.
  void fail(const char *key, const std::string &message);
  void fail_here(const std::string &message);
  // Refuses the first key that no getter read.
  void finish();

 private:
  // The value at key (marked as read), nullptr when absent/null (setting a
  // "required" error if need is required) or when an error is already set.
  const nlohmann::json *take(const char *key, Need need);

  const nlohmann::json &object_;
  std::string path_;
  std::string &error_;
  std::vector<std::string_view> seen_;
};

// Reads a string field that must be one of `table`'s names.
template <typename E, size_t N>
void read_enum(JsonReader &r, const char *key, E &out, Need need,
               const std::pair<const char *, E> (&table)[N]) {
  if (!r.ok() || !r.has(key)) {
    std::string ignored;
    r.string(key, ignored, need);  // marks the key read; reports "required"
    return;
  }
  std::string text;
  r.string(key, text, need);
  if (!r.ok()) return;
  for (const auto &[name, value] : table) {
    if (text == name) {
      out = value;
      return;
    }
  }
  std::string expected = "expected one of:";
  for (size_t i = 0; i < N; ++i) expected += std::string(i ? ", " : " ") + table[i].first;
  r.fail(key, expected);
}

// Parses `text` as JSON without exceptions; on failure sets error to
// "<what>: invalid JSON at byte N" and returns a discarded value.
nlohmann::json parse_json_text(std::string_view text, const char *what, std::string &error);

}  // namespace trellis::mgmt
