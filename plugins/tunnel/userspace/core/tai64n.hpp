// SPDX-License-Identifier: Apache-2.0
// TAI64N timestamps for handshake initiations (whitepaper §5.4.2): 8 bytes of
// big-endian seconds with the TAI64 label 2^62 (plus the 10 s TAI-UTC offset of
// 1970, as the reference implementations write it), then 4 bytes of big-endian
// nanoseconds. Nanoseconds are rounded down to 2^24 ns (~16.8 ms), as Linux
// and wireguard-go do, so the timestamp does not reveal fine-grained clock
// values. Wall time is an input: the core never reads a clock.
#pragma once

#include <cstdint>

#include "core/secret.hpp"

namespace trellis::wg {

// unix_ns: nanoseconds since the Unix epoch (UTC), from the caller's wall clock.
Timestamp tai64n_from_unix_ns(int64_t unix_ns);

// Timestamps compare as big-endian byte strings; true if a is later than b.
bool tai64n_after(const Timestamp &a, const Timestamp &b);

// Source of wall-clock time, provided by the I/O layer (a fake one in tests).
class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual int64_t unix_ns() const = 0;
};

}  // namespace trellis::wg
