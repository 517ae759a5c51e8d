// SPDX-License-Identifier: Apache-2.0
// Sliding-window replay protection for transport data counters (RFC 6479
// style, as WireGuard's Linux implementation does it): a ring of 8192 bits, of
// which 8128 trail the greatest counter seen, so packets reordered by up to
// 8128 positions are still accepted exactly once. Counters at or beyond
// REJECT_AFTER_MESSAGES are refused outright. `check` is the read-only test a
// receive path may run before spending time on decryption; `accept` is the
// authoritative update, run after the packet authenticated, in order per peer.
#pragma once

#include <array>
#include <cstdint>

namespace trellis::wg {

class ReplayWindow {
 public:
  static constexpr uint64_t kRingBits = 8192;
  static constexpr uint64_t kWindow = kRingBits - 64;

  // True if `counter` is new and inside the window (no state change).
  bool check(uint64_t counter, uint64_t reject_after_messages) const;
  // Record `counter`; false for a replay, a too-old counter or one past the limit.
  bool accept(uint64_t counter, uint64_t reject_after_messages);
  // One more than the greatest accepted counter (0 before any).
  uint64_t next_expected() const { return top_; }
  void reset();

 private:
  static constexpr uint64_t kWords = kRingBits / 64;
  // Counters are shifted by one internally so that 0 means "nothing yet".
  uint64_t top_ = 0;
  std::array<uint64_t, kWords> ring_{};
};

}  // namespace trellis::wg
