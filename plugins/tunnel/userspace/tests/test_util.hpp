// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the WireGuard core tests: hex conversion, a scripted
// (deterministic) random source, a fake wall clock.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.hpp"
#include "core/secret.hpp"
#include "core/tai64n.hpp"

namespace trellis::wg::test {

inline std::vector<uint8_t> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex");
  auto nib = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
    throw std::invalid_argument("bad hex");
  };
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(nib(hex[2 * i]) << 4 | nib(hex[2 * i + 1]));
  return out;
}

inline std::string to_hex(std::span<const uint8_t> b) {
  static const char *d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

template <size_t N>
std::array<uint8_t, N> arr(std::string_view hex) {
  auto v = from_hex(hex);
  if (v.size() != N) throw std::invalid_argument("length");
  std::array<uint8_t, N> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

inline SecretKey secret(std::string_view hex) {
  auto a = arr<32>(hex);
  return SecretKey(std::span<const uint8_t, 32>(a));
}

// Returns queued byte strings in order (each fill must match one entry's
// length); after the queue runs dry, a counter-based stream.
class ScriptedRandom final : public RandomSource {
 public:
  void push(std::vector<uint8_t> bytes) { queue_.push_back(std::move(bytes)); }
  void fill(std::span<uint8_t> out) override {
    if (!queue_.empty()) {
      if (queue_.front().size() != out.size()) throw std::logic_error("scripted random: size mismatch");
      std::copy(queue_.front().begin(), queue_.front().end(), out.begin());
      queue_.pop_front();
      return;
    }
    for (auto &b : out) b = static_cast<uint8_t>(next_++ * 167 + 13);
  }

 private:
  std::deque<std::vector<uint8_t>> queue_;
  uint64_t next_ = 1;
};

class FakeWallClock final : public WallClock {
 public:
  int64_t unix_ns() const override { return now; }
  int64_t now = 1'700'000'000LL * 1'000'000'000LL;
};

}  // namespace trellis::wg::test
