// SPDX-License-Identifier: Apache-2.0
// TokenTable: the parsed token file, and the constant-time lookup of a
// presented bearer token in it. Sans-I/O: it is built from the file's text and
// never touches the file system or the clock.
//
// File format, one grant per line, fields separated by spaces or tabs:
//
//   <token> <account> <user> [<group>,<group>...]
//
// Blank lines are ignored and a field starting with '#' begins a comment that
// runs to the end of the line. Tokens are 16 to 128 printable ASCII
// characters and unique; account, user and group names are UTF-8 without
// control characters. An error names the line, never the token.
//
// Secrets: each token is held in a fixed 128-byte slot, zero-padded, and the
// slots are wiped when the table is destroyed. A lookup compares the presented
// token with every slot over all 128 bytes and selects the match with masks,
// so its time depends on the number of entries only, not on which entry (if
// any) matches or on how many leading bytes agree.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace trellis::examples::allowlist {

inline constexpr size_t kTokenMinLen = 16;
inline constexpr size_t kTokenMaxLen = 128;

// Overwrites n bytes at p in a way the compiler may not elide.
void wipe(void *p, size_t n) noexcept;

// 1 if a[0..alen) equals b[0..blen), else 0. Both buffers must be
// kTokenMaxLen bytes, zero past their lengths (alen, blen <= kTokenMaxLen).
// Runs in time independent of the contents and lengths.
uint32_t ct_equal_slots(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) noexcept;

struct Identity {
  std::string account;
  std::string user;
  std::vector<std::string> groups;

  // {"account":..,"user":..,"groups":[..],"ephemeral":false}
  std::string to_json() const;
};

class TokenTable {
 public:
  TokenTable() = default;
  TokenTable(const TokenTable &) = delete;
  TokenTable &operator=(const TokenTable &) = delete;
  TokenTable(TokenTable &&) = default;
  TokenTable &operator=(TokenTable &&o) noexcept;
  ~TokenTable();

  // Parses the file's text; nullptr with "line N: reason" in *error on the
  // first bad line.
  static std::unique_ptr<TokenTable> parse(std::string_view text, std::string *error);

  // The identity the token grants, or nullptr. Constant time per entry.
  const Identity *find(std::string_view credential) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::array<uint8_t, kTokenMaxLen> token{};
    size_t token_len = 0;
    Identity identity;
  };

  void clear() noexcept;

  std::vector<Entry> entries_;
};

}  // namespace trellis::examples::allowlist
