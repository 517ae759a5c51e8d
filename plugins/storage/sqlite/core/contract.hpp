// SPDX-License-Identifier: Apache-2.0
// The storage contract both storage plugins enforce identically, sans-I/O:
// which collections have a table of their own (and which of their fields are
// indexed for lookups), what a valid collection name, id, account, field name
// and JSON document are, and how an expected revision selects the kind of
// write. Every check returns an empty string when the input is acceptable,
// otherwise the message a caller sees with TRELLIS_E_INVALID.
//
// It is shared by plugins/storage/sqlite and plugins/storage/postgres (the
// postgres plugin includes it from here) and unit-tested in tests/storage.
#pragma once

#include <trellis/plugin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <trellis/plugin.hpp>

namespace trellis::storage {

inline constexpr size_t kMaxCollectionLen = 128;
inline constexpr size_t kMaxIdLen = 1024;  // bytes of UTF-8
inline constexpr size_t kMaxAccountLen = 1024;
inline constexpr size_t kMaxFieldLen = 64;
inline constexpr size_t kMaxValueLen = 4096;
inline constexpr size_t kMaxJsonLen = 16u << 20;  // 16 MiB per document or event
inline constexpr size_t kMaxJsonDepth = 256;      // SQLite's own limit is 1000

// A document and an event as a backend returns them (the ABI glue turns them
// into trellis_doc and trellis_event_record).
struct DocRow {
  std::string id;
  std::string account;
  uint64_t revision = 0;
  std::string json;
};

struct EventRow {
  uint64_t seq = 0;
  int64_t time_unix_ms = 0;
  std::string account;
  std::string json;
};

// A collection with a table of its own. The table is named like the
// collection; `lookups` are the top-level string fields with an index.
struct KnownCollection {
  std::string_view name;
  std::span<const std::string_view> lookups;
};

namespace detail {
inline constexpr std::array<std::string_view, 2> kPeerLookups{"key", "ip"};
inline constexpr std::array<std::string_view, 1> kHashLookup{"hash"};
inline constexpr std::array<std::string_view, 1> kSubjectLookup{"subject"};
inline constexpr std::array<KnownCollection, 9> kKnown{{
    {"accounts", {}},
    {"users", kSubjectLookup},
    {"peers", kPeerLookups},
    {"groups", {}},
    {"policies", {}},
    {"setup_keys", kHashLookup},
    {"routes", {}},
    {"dns", {}},
    {"tokens", kHashLookup},
}};
}  // namespace detail

inline std::span<const KnownCollection> known_collections() { return detail::kKnown; }

// nullptr for a collection kept in the generic `documents` table.
inline const KnownCollection *find_known_collection(std::string_view name) {
  for (const KnownCollection &c : detail::kKnown) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Collection names: [A-Za-z0-9_.:-]{1,128}.
inline std::string check_collection(const char *name) {
  if (name == nullptr || *name == '\0') return "collection name is empty";
  std::string_view s(name);
  if (s.size() > kMaxCollectionLen) return "collection name is longer than 128 bytes";
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return "collection name may only contain A-Z a-z 0-9 _ . : -";
  }
  return {};
}

// Ids: any non-empty UTF-8 up to 1024 bytes (they only ever travel as bound
// parameters).
inline std::string check_id(const char *id) {
  if (id == nullptr || *id == '\0') return "document id is empty";
  std::string_view s(id);
  if (s.size() > kMaxIdLen) return "document id is longer than 1024 bytes";
  if (!valid_utf8(s)) return "document id is not valid UTF-8";
  return {};
}

// Accounts: UTF-8 up to 1024 bytes; "" names global records.
inline std::string check_account(const char *account) {
  if (account == nullptr) return "account is NULL (use \"\" for global records)";
  std::string_view s(account);
  if (s.size() > kMaxAccountLen) return "account is longer than 1024 bytes";
  if (!valid_utf8(s)) return "account is not valid UTF-8";
  return {};
}

// Field names for scan filters become part of a JSON path in SQL text, so they
// are held to [A-Za-z0-9_]{1,64}.
inline std::string check_field(const char *field) {
  if (field == nullptr || *field == '\0') return "scan field name is empty";
  std::string_view s(field);
  if (s.size() > kMaxFieldLen) return "scan field name is longer than 64 bytes";
  for (char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return "scan field name may only contain A-Z a-z 0-9 _";
  }
  return {};
}

inline std::string check_value(const char *value) {
  if (value == nullptr) return "scan value is NULL";
  std::string_view s(value);
  if (s.size() > kMaxValueLen) return "scan value is longer than 4096 bytes";
  if (!valid_utf8(s)) return "scan value is not valid UTF-8";
  return {};
}

namespace detail {
// Accepts every JSON text nlohmann accepts (which includes strict UTF-8
// checking) nested at most kMaxJsonDepth deep, refusing strings and keys that
// contain U+0000: PostgreSQL's jsonb cannot hold it, so neither backend stores
// it. Errors carry a byte offset, never document text (documents hold hashes).
class JsonChecker : public nlohmann::json_sax<nlohmann::json> {
 public:
  enum class Failure { kNone, kSyntax, kNul, kDepth };
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &s) override { return no_nul(s); }
  bool binary(binary_t &) override { return true; }
  bool start_object(std::size_t) override { return enter(); }
  bool key(string_t &s) override { return no_nul(s); }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t position, const std::string &,
                   const nlohmann::detail::exception &) override {
    failure = Failure::kSyntax;
    error_position = position;
    return false;
  }
  Failure failure = Failure::kNone;
  size_t error_position = 0;

 private:
  bool no_nul(const string_t &s) {
    if (s.find('\0') == string_t::npos) return true;
    failure = Failure::kNul;
    return false;
  }
  bool enter() {
    if (++depth_ <= kMaxJsonDepth) return true;
    failure = Failure::kDepth;
    return false;
  }
  bool leave() {
    --depth_;
    return true;
  }
  size_t depth_ = 0;
};
}  // namespace detail

// `what` names the input in the message ("document", "event").
inline std::string check_json(const char *json, std::string_view what) {
  if (json == nullptr) return std::string(what) + " JSON is NULL";
  std::string_view s(json);
  if (s.size() > kMaxJsonLen) return std::string(what) + " JSON is larger than 16 MiB";
  detail::JsonChecker checker;
  const bool ok = nlohmann::json::sax_parse(s.begin(), s.end(), &checker,
                                            nlohmann::json::input_format_t::json, true);
  if (ok) return {};
  switch (checker.failure) {
    case detail::JsonChecker::Failure::kNul:
      return std::string(what) + " JSON contains a \\u0000 character";
    case detail::JsonChecker::Failure::kDepth:
      return std::string(what) + " JSON is nested deeper than 256 levels";
    case detail::JsonChecker::Failure::kSyntax:
      return std::string(what) + " is not valid JSON (error at byte " +
             std::to_string(checker.error_position) + ")";
    case detail::JsonChecker::Failure::kNone:
      break;
  }
  return std::string(what) + " is not valid JSON";
}

// Throws sdk::Error(TRELLIS_E_INVALID, problem) unless problem is empty.
inline void require(const std::string &problem) {
  if (!problem.empty()) throw sdk::Error(TRELLIS_E_INVALID, problem);
}

// What a put does, chosen by its expected revision.
enum class PutMode {
  kInsert,     // TRELLIS_REV_NONE: the document must not exist yet
  kOverwrite,  // TRELLIS_REV_ANY: insert or replace whatever is there
  kReplace,    // an exact revision: replace only that revision
};

inline PutMode put_mode(uint64_t expected_revision) {
  if (expected_revision == TRELLIS_REV_NONE) return PutMode::kInsert;
  if (expected_revision == TRELLIS_REV_ANY) return PutMode::kOverwrite;
  return PutMode::kReplace;
}

// Revisions are stored as signed 64-bit integers.
inline bool revision_in_range(uint64_t revision) {
  return revision == TRELLIS_REV_ANY || revision <= static_cast<uint64_t>(INT64_MAX);
}

// Argument checks of each storage call, identical for every backend.
inline void validate_get(const char *collection, const char *id) {
  require(check_collection(collection));
  require(check_id(id));
}

inline void validate_put(const char *collection, const char *account, const char *id,
                         const char *json, uint64_t expected_revision) {
  validate_get(collection, id);
  require(check_account(account));
  require(check_json(json, "document"));
  if (!revision_in_range(expected_revision)) {
    require("expected revision " + std::to_string(expected_revision) + " is out of range");
  }
}

inline void validate_remove(const char *collection, const char *id, uint64_t expected_revision) {
  validate_get(collection, id);
  if (expected_revision == TRELLIS_REV_NONE) {
    require("remove takes TRELLIS_REV_ANY or an exact revision, not TRELLIS_REV_NONE");
  }
  if (!revision_in_range(expected_revision)) {
    require("expected revision " + std::to_string(expected_revision) + " is out of range");
  }
}

inline void validate_scan(const char *collection, const char *account, const char *field,
                          const char *value) {
  require(check_collection(collection));
  if (account != nullptr) require(check_account(account));
  if ((field == nullptr) != (value == nullptr)) {
    require("scan field and value must both be given or both be NULL");
  }
  if (field != nullptr) {
    require(check_field(field));
    require(check_value(value));
  }
}

inline void validate_event(const char *account, const char *json) {
  require(check_account(account));
  require(check_json(json, "event"));
}

// "peers/abc" for messages, with a long id shortened.
inline std::string doc_name(std::string_view collection, std::string_view id) {
  std::string out(collection);
  out += '/';
  if (id.size() <= 80) {
    out += id;
  } else {
    size_t cut = 77;
    while (cut > 0 && (static_cast<unsigned char>(id[cut]) & 0xC0) == 0x80) --cut;
    out += id.substr(0, cut);
    out += "...";
  }
  return out;
}

// The refusal every backend gives for a database written by a newer release.
inline std::string newer_schema_message(int64_t found, int64_t supported) {
  return "database schema version " + std::to_string(found) +
         " is newer than this plugin supports (" + std::to_string(supported) + "); upgrade trellis";
}

}  // namespace trellis::storage
