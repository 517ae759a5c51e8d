// SPDX-License-Identifier: Apache-2.0
// Byte-array types for key material. `Secret<N>` holds private keys, chaining
// keys, session keys and cookie secrets; its destructor (and `wipe`) clears it
// with sodium_memzero, and it has no formatting or implicit conversions, so it
// cannot end up in a log by accident. Public values (public keys, hashes) are
// plain std::arrays. Comparisons of anything an attacker influences go through
// `equal_ct`, which does not leak where two buffers differ.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <sodium/utils.h>

#include "core/constants.hpp"

namespace trellis::wg {

using PublicKey = std::array<uint8_t, kKeyLen>;
using Hash = std::array<uint8_t, kHashLen>;
using Cookie = std::array<uint8_t, kCookieLen>;
using Timestamp = std::array<uint8_t, kTimestampLen>;

template <size_t N>
class Secret {
 public:
  Secret() { bytes_.fill(0); }
  explicit Secret(std::span<const uint8_t, N> in) { std::memcpy(bytes_.data(), in.data(), N); }
  Secret(const Secret &o) : bytes_(o.bytes_) {}
  Secret &operator=(const Secret &o) {
    if (this != &o) bytes_ = o.bytes_;
    return *this;
  }
  ~Secret() { wipe(); }

  void wipe() { sodium_memzero(bytes_.data(), N); }
  bool is_zero() const { return sodium_is_zero(bytes_.data(), N) == 1; }

  uint8_t *data() { return bytes_.data(); }
  const uint8_t *data() const { return bytes_.data(); }
  static constexpr size_t size() { return N; }
  std::span<uint8_t, N> span() { return std::span<uint8_t, N>(bytes_); }
  std::span<const uint8_t, N> span() const { return std::span<const uint8_t, N>(bytes_); }

 private:
  std::array<uint8_t, N> bytes_;
};

using SecretKey = Secret<kKeyLen>;

// Constant-time equality of two equally long buffers.
inline bool equal_ct(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

inline bool is_zero_ct(std::span<const uint8_t> a) {
  return sodium_is_zero(a.data(), a.size()) == 1;
}

// Wipe any trivially copyable local (an array of intermediate key bytes).
template <typename T>
inline void wipe(T &v) {
  sodium_memzero(&v, sizeof(v));
}

}  // namespace trellis::wg
