// SPDX-License-Identifier: Apache-2.0
// RandomSource helpers and the libsodium-backed system source.
#include "core/random.hpp"

#include <cstring>

#include <sodium/randombytes.h>

namespace trellis::wg {

uint32_t RandomSource::next_u32() {
  uint8_t b[4];
  fill(b);
  uint32_t v;
  std::memcpy(&v, b, sizeof(v));
  return v;
}

uint64_t RandomSource::uniform(uint64_t bound) {
  if (bound <= 1) return 0;
  // Rejection sampling: drop the top sliver that would bias the modulo.
  const uint64_t limit = ~0ULL - (~0ULL % bound);
  for (int i = 0; i < 64; ++i) {
    uint8_t b[8];
    fill(b);
    uint64_t v;
    std::memcpy(&v, b, sizeof(v));
    if (v < limit) return v % bound;
  }
  return 0;  // unreachable for any sane source: 64 rejections in a row
}

void SystemRandom::fill(std::span<uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

}  // namespace trellis::wg
