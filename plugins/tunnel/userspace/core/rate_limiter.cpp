// SPDX-License-Identifier: Apache-2.0
// Set-associative, fixed-size token-bucket table keyed by source.
#include "core/rate_limiter.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <sodium/crypto_shorthash.h>

#include "core/constants.hpp"

namespace trellis::wg {

RateLimiter::RateLimiter(RandomSource &rng, size_t buckets) {
  const size_t n = std::bit_ceil(std::max<size_t>(buckets, 1));
  table_.resize(n * kWays);
  bucket_mask_ = n - 1;
  rng.fill(hash_key_);
}

bool RateLimiter::allow(const Endpoint &source, uint64_t now) {
  const auto key = source.rate_limit_key();
  uint8_t digest[crypto_shorthash_BYTES];
  crypto_shorthash(digest, key.data(), key.size(), hash_key_.data());
  uint64_t h;
  std::memcpy(&h, digest, sizeof(h));
  Entry *bucket = &table_[(h & bucket_mask_) * kWays];

  Entry *free_slot = nullptr;
  for (size_t i = 0; i < kWays; ++i) {
    Entry &e = bucket[i];
    if (e.used && e.key == key) {
      // Refill by elapsed time, capped at the burst.
      const uint64_t elapsed = now > e.last ? now - e.last : 0;
      e.tokens = std::min(kTokenMax, e.tokens + std::min(elapsed, kTokenMax));
      e.last = now;
      if (e.tokens < kPacketCost) return false;
      e.tokens -= kPacketCost;
      return true;
    }
    if (free_slot == nullptr && idle(e, now)) free_slot = &e;
  }
  if (free_slot == nullptr) return false;  // bucket full of active sources
  free_slot->used = true;
  free_slot->key = key;
  free_slot->last = now;
  free_slot->tokens = kTokenMax - kPacketCost;
  return true;
}

size_t RateLimiter::live_entries(uint64_t now) const {
  return static_cast<size_t>(std::count_if(table_.begin(), table_.end(), [&](const Entry &e) { return !idle(e, now); }));
}

}  // namespace trellis::wg
