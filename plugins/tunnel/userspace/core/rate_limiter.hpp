// SPDX-License-Identifier: Apache-2.0
// Per-source token bucket for handshake messages that carry a valid cookie
// while the device is under load (whitepaper §5.3; Linux ratelimiter.c): each
// source (IPv4 address, IPv6 /64, or packet path) may send 20 per second with
// a burst of 5. The table has a fixed size chosen at construction and never
// allocates afterwards: sources hash (SipHash with a random key, so an attacker
// cannot aim at one bucket) into buckets of 8 slots; an entry idle for a
// second is free for reuse, and a source finding its bucket full is refused.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/constants.hpp"
#include "core/endpoint.hpp"
#include "core/random.hpp"

namespace trellis::wg {

class RateLimiter {
 public:
  static constexpr size_t kWays = 8;
  static constexpr uint64_t kPacketCost = kNsPerSec / kRateLimitPacketsPerSecond;

  // `buckets` is rounded up to a power of two; capacity = buckets * 8.
  explicit RateLimiter(RandomSource &rng, size_t buckets = 1024);

  // Take a token for `source` at `now`; false when over the rate or full.
  bool allow(const Endpoint &source, uint64_t now);

  size_t capacity() const { return table_.size(); }
  size_t live_entries(uint64_t now) const;

 private:
  static constexpr uint64_t kTokenMax = kPacketCost * kRateLimitBurst;

  struct Entry {
    std::array<uint8_t, 9> key{};
    uint64_t last = 0;
    uint64_t tokens = 0;
    bool used = false;
  };

  bool idle(const Entry &e, uint64_t now) const { return !e.used || now >= e.last + kNsPerSec; }

  std::vector<Entry> table_;
  size_t bucket_mask_ = 0;
  std::array<uint8_t, 16> hash_key_{};
};

}  // namespace trellis::wg
