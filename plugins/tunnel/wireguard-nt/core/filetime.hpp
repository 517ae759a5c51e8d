// SPDX-License-Identifier: Apache-2.0
// Windows FILETIME (100 ns intervals since 1601-01-01 UTC, what the driver
// reports as a peer's LastHandshake) to and from Unix time in nanoseconds
// (what trellis_tunnel_peer_stats carries). 0 means "never" on both sides.
// Results that do not fit an int64 of nanoseconds (after the year 2262)
// saturate rather than wrap.
#pragma once

#include <cstdint>
#include <limits>

namespace trellis::wgnt {

// 1601-01-01 to 1970-01-01: 369 years with 89 leap days, in 100 ns units.
inline constexpr uint64_t kFiletimeUnixEpoch = 116444736000000000ull;
inline constexpr int64_t kNsPerFiletimeTick = 100;

constexpr int64_t filetime_to_unix_ns(uint64_t ft) {
  if (ft == 0) return 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (ft >= kFiletimeUnixEpoch) {
    const uint64_t ticks = ft - kFiletimeUnixEpoch;
    if (ticks > static_cast<uint64_t>(kMax / kNsPerFiletimeTick)) return kMax;
    const int64_t ns = static_cast<int64_t>(ticks) * kNsPerFiletimeTick;
    return ns == 0 ? 1 : ns;  // exactly the epoch is a time, not "never"
  }
  const uint64_t ticks = kFiletimeUnixEpoch - ft;
  if (ticks > static_cast<uint64_t>(kMax / kNsPerFiletimeTick)) return kMin;  // before 1677
  return -static_cast<int64_t>(ticks) * kNsPerFiletimeTick;
}

// Rounds toward the past to whole 100 ns ticks; times before 1601 clamp to 1.
constexpr uint64_t unix_ns_to_filetime(int64_t ns) {
  if (ns == 0) return 0;
  int64_t ticks = ns / kNsPerFiletimeTick;
  if (ns % kNsPerFiletimeTick < 0) --ticks;
  if (ticks < -static_cast<int64_t>(kFiletimeUnixEpoch) + 1) return 1;
  return static_cast<uint64_t>(static_cast<int64_t>(kFiletimeUnixEpoch) + ticks);
}

}  // namespace trellis::wgnt
