// SPDX-License-Identifier: Apache-2.0
// The source of randomness the cores draw from: ephemeral keys, session
// indices, cookie secrets and nonces, timer jitter. It is an interface so tests
// can run the protocol deterministically (the Noise vector test needs fixed
// ephemerals); production uses SystemRandom, libsodium's CSPRNG.
#pragma once

#include <cstdint>
#include <span>

namespace trellis::wg {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<uint8_t> out) = 0;

  uint32_t next_u32();
  // Uniform in [0, bound); bound > 0.
  uint64_t uniform(uint64_t bound);
};

// libsodium's randombytes_buf (getrandom on Linux). Thread-safe.
class SystemRandom final : public RandomSource {
 public:
  void fill(std::span<uint8_t> out) override;
};

}  // namespace trellis::wg
