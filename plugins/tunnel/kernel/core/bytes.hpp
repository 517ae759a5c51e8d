// SPDX-License-Identifier: Apache-2.0
// Byte containers for the kernel tunnel's netlink messages and keys.
// `SecureBytes` holds one netlink message; SET_DEVICE requests carry private and
// preshared keys, so every message buffer is wiped (sodium_memzero) when it is
// destroyed, shrunk or moved from. `SecretKey` holds a 32-byte key with the same
// guarantee, compares in constant time and has no formatting. Public keys are
// plain arrays.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include <sodium/utils.h>

namespace trellis::tunnel_kernel {

inline constexpr size_t kKeyLen = 32;
using PublicKey = std::array<uint8_t, kKeyLen>;

class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t size) : bytes_(size, 0) {}
  SecureBytes(const uint8_t *data, size_t size) : bytes_(data, data + size) {}
  SecureBytes(const SecureBytes &) = delete;
  SecureBytes &operator=(const SecureBytes &) = delete;
  SecureBytes(SecureBytes &&o) noexcept : bytes_(std::move(o.bytes_)) { o.bytes_.clear(); }
  SecureBytes &operator=(SecureBytes &&o) noexcept {
    if (this != &o) {
      wipe();
      bytes_ = std::move(o.bytes_);
      o.bytes_.clear();
    }
    return *this;
  }
  ~SecureBytes() { wipe(); }

  uint8_t *data() { return bytes_.data(); }
  const uint8_t *data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::span<const uint8_t> span() const { return {bytes_.data(), bytes_.size()}; }

  // Shrink to n bytes (n <= size), wiping the tail first.
  void truncate(size_t n) {
    if (n >= bytes_.size()) return;
    sodium_memzero(bytes_.data() + n, bytes_.size() - n);
    bytes_.resize(n);
  }

 private:
  void wipe() {
    if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
  }
  std::vector<uint8_t> bytes_;
};

class SecretKey {
 public:
  SecretKey() { bytes_.fill(0); }
  explicit SecretKey(const uint8_t (&in)[kKeyLen]) { std::memcpy(bytes_.data(), in, kKeyLen); }
  explicit SecretKey(std::span<const uint8_t, kKeyLen> in) {
    std::memcpy(bytes_.data(), in.data(), kKeyLen);
  }
  SecretKey(const SecretKey &o) : bytes_(o.bytes_) {}
  SecretKey &operator=(const SecretKey &o) {
    if (this != &o) bytes_ = o.bytes_;
    return *this;
  }
  ~SecretKey() { sodium_memzero(bytes_.data(), kKeyLen); }

  const uint8_t *data() const { return bytes_.data(); }
  uint8_t *data() { return bytes_.data(); }
  static constexpr size_t size() { return kKeyLen; }

  friend bool operator==(const SecretKey &a, const SecretKey &b) {
    return sodium_memcmp(a.bytes_.data(), b.bytes_.data(), kKeyLen) == 0;
  }

 private:
  std::array<uint8_t, kKeyLen> bytes_;
};

}  // namespace trellis::tunnel_kernel
