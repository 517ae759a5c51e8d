// SPDX-License-Identifier: Apache-2.0
// Memory that holds key material. The driver's configuration buffer carries
// the interface private key and the peers' preshared keys in both directions
// (GetConfiguration returns them too), so every such buffer is a WipedBuffer,
// cleared when it dies; single keys live in a SecretKey. The core may not use
// libsodium (it must also build for Windows with nothing but the toolchain),
// so wiping is a volatile byte loop behind a compiler barrier.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "core/nt_layout.hpp"

namespace trellis::wgnt {

// Clears n bytes at p in a way the optimiser cannot drop.
inline void secure_wipe(void *p, size_t n) noexcept {
  if (p == nullptr || n == 0) return;
  volatile auto *b = static_cast<volatile uint8_t *>(p);
  for (size_t i = 0; i < n; ++i) b[i] = 0;
#if defined(__GNUC__) || defined(__clang__)
  __asm__ __volatile__("" : : "r"(p) : "memory");
#endif
}

// A 32-byte private or preshared key; never formatted, wiped on destruction.
class SecretKey {
 public:
  SecretKey() noexcept { bytes_.fill(0); }
  explicit SecretKey(const uint8_t (&in)[kKeyLen]) noexcept { std::memcpy(bytes_.data(), in, kKeyLen); }
  SecretKey(const SecretKey &o) noexcept : bytes_(o.bytes_) {}
  SecretKey &operator=(const SecretKey &o) noexcept {
    if (this != &o) bytes_ = o.bytes_;
    return *this;
  }
  ~SecretKey() { secure_wipe(bytes_.data(), bytes_.size()); }

  const uint8_t *data() const noexcept { return bytes_.data(); }
  uint8_t *data() noexcept { return bytes_.data(); }
  static constexpr size_t size() noexcept { return kKeyLen; }

 private:
  std::array<uint8_t, kKeyLen> bytes_;
};

// A zero-initialised, 8-byte-aligned byte buffer (the alignment the driver's
// records need), wiped before it is freed or resized. Move-only.
class WipedBuffer {
 public:
  WipedBuffer() = default;
  explicit WipedBuffer(size_t size) { resize(size); }
  WipedBuffer(const WipedBuffer &) = delete;
  WipedBuffer &operator=(const WipedBuffer &) = delete;
  WipedBuffer(WipedBuffer &&o) noexcept
      : words_(std::move(o.words_)), size_(o.size_) {
    o.size_ = 0;
  }
  WipedBuffer &operator=(WipedBuffer &&o) noexcept {
    if (this != &o) {
      clear();
      words_ = std::move(o.words_);
      size_ = o.size_;
      o.size_ = 0;
    }
    return *this;
  }
  ~WipedBuffer() { clear(); }

  // Discards the contents (wiped) and makes a zeroed buffer of `size` bytes.
  void resize(size_t size) {
    clear();
    if (size == 0) return;
    words_ = std::make_unique<uint64_t[]>((size + 7) / 8);  // value-initialised: zero
    size_ = size;
  }
  void clear() noexcept {
    if (words_) secure_wipe(words_.get(), ((size_ + 7) / 8) * 8);
    words_.reset();
    size_ = 0;
  }

  uint8_t *data() noexcept { return reinterpret_cast<uint8_t *>(words_.get()); }
  const uint8_t *data() const noexcept { return reinterpret_cast<const uint8_t *>(words_.get()); }
  size_t size() const noexcept { return size_; }
  std::span<const uint8_t> bytes() const noexcept { return {data(), size_}; }

 private:
  std::unique_ptr<uint64_t[]> words_;
  size_t size_ = 0;
};

}  // namespace trellis::wgnt
