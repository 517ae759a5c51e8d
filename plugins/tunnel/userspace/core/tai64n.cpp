// SPDX-License-Identifier: Apache-2.0
// TAI64N encoding and ordering.
#include "core/tai64n.hpp"

#include <cstring>

namespace trellis::wg {

namespace {
constexpr uint64_t kTai64Base = 0x400000000000000aULL;
constexpr uint32_t kWhitenMask = (1u << 24) - 1;
}  // namespace

Timestamp tai64n_from_unix_ns(int64_t unix_ns) {
  int64_t secs = unix_ns / static_cast<int64_t>(kNsPerSec);
  int64_t nsec = unix_ns % static_cast<int64_t>(kNsPerSec);
  if (nsec < 0) {
    nsec += static_cast<int64_t>(kNsPerSec);
    secs -= 1;
  }
  const uint64_t s = kTai64Base + static_cast<uint64_t>(secs);
  const uint32_t n = static_cast<uint32_t>(nsec) & ~kWhitenMask;
  Timestamp t{};
  for (int i = 0; i < 8; ++i) t[i] = static_cast<uint8_t>(s >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) t[8 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  return t;
}

bool tai64n_after(const Timestamp &a, const Timestamp &b) {
  return std::memcmp(a.data(), b.data(), a.size()) > 0;
}

}  // namespace trellis::wg
