// SPDX-License-Identifier: Apache-2.0
// Parsing of the token file and the constant-time lookup; see token_table.hpp.
#include "token_table.hpp"

#include "json.hpp"

#include <string.h>  // explicit_bzero (glibc)

#include <algorithm>
#include <unordered_map>

namespace trellis::examples::allowlist {
namespace {

// Stops the compiler from reasoning about a value (and so from turning the
// branch-free selection below back into branches).
inline uint64_t opaque(uint64_t v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__ volatile("" : "+r"(v));
#endif
  return v;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Splits a line into fields at spaces and tabs, stopping at a field that starts
// with '#'. The views point into the line.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size() || line[i] == '#') break;
    const size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool printable_ascii(std::string_view s) {
  for (const char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// A name: non-empty UTF-8 without control characters (whitespace already
// split off). Commas are reserved for the group list.
bool valid_name(std::string_view s) {
  if (s.empty() || !valid_utf8(s)) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ',') return false;
  }
  return true;
}

}  // namespace

void wipe(void *p, size_t n) noexcept {
  if (p != nullptr && n != 0) explicit_bzero(p, n);
}

uint32_t ct_equal_slots(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) noexcept {
  uint64_t acc = static_cast<uint64_t>(alen ^ blen);
  for (size_t i = 0; i < kTokenMaxLen; ++i) acc |= static_cast<uint64_t>(a[i] ^ b[i]);
  acc = opaque(acc);
  // acc == 0 -> 1, else 0, without a branch: (acc | -acc) has its top bit set
  // exactly when acc != 0.
  return static_cast<uint32_t>(1 ^ ((acc | (0 - acc)) >> 63));
}

std::string Identity::to_json() const {
  std::string out = "{\"account\":" + json_quote(account) + ",\"user\":" + json_quote(user) +
                    ",\"groups\":[";
  for (size_t i = 0; i < groups.size(); ++i) {
    if (i != 0) out.push_back(',');
    out += json_quote(groups[i]);
  }
  out += "],\"ephemeral\":false}";
  return out;
}

TokenTable &TokenTable::operator=(TokenTable &&o) noexcept {
  if (this != &o) {
    clear();
    entries_ = std::move(o.entries_);
  }
  return *this;
}

TokenTable::~TokenTable() { clear(); }

void TokenTable::clear() noexcept {
  for (Entry &e : entries_) wipe(e.token.data(), e.token.size());
  entries_.clear();
}

std::unique_ptr<TokenTable> TokenTable::parse(std::string_view text, std::string *error) {
  auto table = std::make_unique<TokenTable>();
  // Reserve once so that the vector never reallocates: a reallocation would
  // leave unwiped copies of the token slots in freed memory. The shortest
  // valid line ("<16-char token> a u") has 20 bytes, which bounds the count.
  size_t lines = 1;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  table->entries_.reserve(std::min(lines, text.size() / (kTokenMinLen + 4) + 1));

  std::unordered_map<std::string_view, size_t> first_line;  // views into text
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const std::vector<std::string_view> f = fields_of(line);
    if (f.empty()) continue;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (f.size() < 3 || f.size() > 4) {
      *error = where + "expected \"<token> <account> <user> [<group>,...]\", found " +
               std::to_string(f.size()) + " field(s)";
      return nullptr;
    }
    const std::string_view token = f[0];
    if (token.size() < kTokenMinLen || token.size() > kTokenMaxLen || !printable_ascii(token)) {
      *error = where + "a token must be " + std::to_string(kTokenMinLen) + " to " +
               std::to_string(kTokenMaxLen) + " printable ASCII characters";
      return nullptr;
    }
    if (!valid_name(f[1]) || !valid_name(f[2])) {
      *error = where + "account and user must be UTF-8 names without control characters or ','";
      return nullptr;
    }
    const auto [it, inserted] = first_line.emplace(token, line_no);
    if (!inserted) {
      *error = where + "duplicate token (first on line " + std::to_string(it->second) + ")";
      return nullptr;
    }

    Entry &e = table->entries_.emplace_back();
    e.token_len = token.size();
    for (size_t i = 0; i < token.size(); ++i) e.token[i] = static_cast<uint8_t>(token[i]);
    e.identity.account = std::string(f[1]);
    e.identity.user = std::string(f[2]);
    if (f.size() == 4) {
      std::string_view groups = f[3];
      for (;;) {
        const size_t comma = groups.find(',');
        const std::string_view g = groups.substr(0, comma);
        if (!valid_name(g)) {
          *error = where + "groups must be a comma-separated list of non-empty names";
          return nullptr;
        }
        e.identity.groups.emplace_back(g);
        if (comma == std::string_view::npos) break;
        groups.remove_prefix(comma + 1);
      }
    }
  }
  return table;
}

const Identity *TokenTable::find(std::string_view credential) const {
  // A token longer than any slot matches nothing; its length is the caller's
  // own knowledge, so answering early reveals nothing about the table.
  if (credential.size() > kTokenMaxLen) return nullptr;
  std::array<uint8_t, kTokenMaxLen> presented{};
  for (size_t i = 0; i < credential.size(); ++i) presented[i] = static_cast<uint8_t>(credential[i]);

  uint64_t found = 0;
  uint64_t index = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry &e = entries_[i];
    const uint64_t eq = ct_equal_slots(presented.data(), credential.size(), e.token.data(), e.token_len);
    const uint64_t mask = opaque(0 - eq);  // all ones on a match
    index |= static_cast<uint64_t>(i) & mask;
    found |= eq;
  }
  wipe(presented.data(), presented.size());
  return found != 0 ? &entries_[index].identity : nullptr;
}

}  // namespace trellis::examples::allowlist
