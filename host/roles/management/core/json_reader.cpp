// SPDX-License-Identifier: Apache-2.0
// Strict JSON object reading (see json_reader.hpp).
#include "json_reader.hpp"

#include <algorithm>
#include <unordered_set>

namespace trellis::mgmt {

using nlohmann::json;

JsonReader::JsonReader(const json &object, std::string path, std::string &error)
    : object_(object), path_(std::move(path)), error_(error) {
  if (error_.empty() && !object_.is_object()) error_ = path_ + ": expected an object";
}

bool JsonReader::has(const char *key) const {
  if (!object_.is_object()) return false;
  auto it = object_.find(key);
  return it != object_.end() && !it->is_null();
}

void JsonReader::fail(const char *key, const std::string &message) {
  if (error_.empty()) error_ = path_ + "." + key + ": " + message;
}

void JsonReader::fail_here(const std::string &message) {
  if (error_.empty()) error_ = path_ + ": " + message;
}

const json *JsonReader::take(const char *key, Need need) {
  if (!ok()) return nullptr;
  seen_.emplace_back(key);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (need == Need::required) fail(key, "required");
    return nullptr;
  }
  return &*it;
}

void JsonReader::string(const char *key, std::string &out, Need need, Check check) {
  const json *v = take(key, need);
  if (v == nullptr) return;
  if (!v->is_string()) return fail(key, "expected a string");
  const auto &s = v->get_ref<const std::string &>();
  if (check != nullptr) {
    if (const char *problem = check(s)) return fail(key, problem);
  }
  out = s;
}

void JsonReader::boolean(const char *key, bool &out, Need need) {
  const json *v = take(key, need);
  if (v == nullptr) return;
  if (!v->is_boolean()) return fail(key, "expected true or false");
  out = v->get<bool>();
}

void JsonReader::integer(const char *key, int64_t &out, Need need, int64_t min, int64_t max) {
  const json *v = take(key, need);
  if (v == nullptr) return;
  int64_t value = 0;
  if (v->is_number_integer() && !v->is_number_unsigned()) {
    value = v->get<int64_t>();
  } else if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return fail(key, "out of range");
    value = static_cast<int64_t>(u);
  } else {
    return fail(key, "expected an integer");
  }
  if (value < min || value > max) {
    return fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  out = value;
}

void JsonReader::string_list(const char *key, std::vector<std::string> &out, Need need,
                             Check check, size_t max_items, bool unique) {
  const json *v = take(key, need);
  if (v == nullptr) return;
  if (!v->is_array()) return fail(key, "expected an array of strings");
  if (v->size() > max_items) {
    return fail(key, "too many items (at most " + std::to_string(max_items) + ")");
  }
  std::vector<std::string> items;
  items.reserve(v->size());
  std::unordered_set<std::string_view> distinct;
  for (size_t i = 0; i < v->size(); ++i) {
    const json &item = (*v)[i];
    std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    if (!item.is_string()) return fail(where.c_str(), "expected a string");
    const auto &s = item.get_ref<const std::string &>();
    if (check != nullptr) {
      if (const char *problem = check(s)) return fail(where.c_str(), problem);
    }
    if (unique && !distinct.insert(s).second) return fail(where.c_str(), "duplicate \"" + s + "\"");
    items.push_back(s);
  }
  out = std::move(items);
}

void JsonReader::any_object(const char *key, json &out, Need need) {
  const json *v = take(key, need);
  if (v == nullptr) return;
  if (!v->is_object()) return fail(key, "expected an object");
  out = *v;
}

void JsonReader::finish() {
  if (!ok() || !object_.is_object()) return;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    const std::string &key = it.key();
    if (std::find(seen_.begin(), seen_.end(), std::string_view(key)) == seen_.end()) {
      error_ = path_ + ": unknown field \"" + key + "\"";
      return;
    }
  }
}

json parse_json_text(std::string_view text, const char *what, std::string &error) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) error = std::string(what) + ": invalid JSON";
  return j;
}

}  // namespace trellis::mgmt
