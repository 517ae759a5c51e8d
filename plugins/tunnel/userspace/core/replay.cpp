// SPDX-License-Identifier: Apache-2.0
// Replay window: bitmap ring indexed by counter, advanced word by word.
#include "core/replay.hpp"

#include <algorithm>

#include "core/constants.hpp"

namespace trellis::wg {

bool ReplayWindow::check(uint64_t counter, uint64_t reject_after_messages) const {
  // The protocol limit also keeps counter + 1 + kWindow from overflowing.
  if (counter >= std::min(reject_after_messages, kRejectAfterMessages)) return false;
  const uint64_t n = counter + 1;
  if (n > top_) return true;
  if (n + kWindow < top_) return false;
  return (ring_[(n / 64) % kWords] & (1ULL << (n % 64))) == 0;
}

bool ReplayWindow::accept(uint64_t counter, uint64_t reject_after_messages) {
  // The protocol limit also keeps counter + 1 + kWindow from overflowing.
  if (counter >= std::min(reject_after_messages, kRejectAfterMessages)) return false;
  const uint64_t n = counter + 1;
  if (n + kWindow < top_) return false;  // older than the window
  if (n > top_) {
    // Advance: clear every word between the old head and the new one (at most
    // the whole ring), so stale bits never read as "seen".
    const uint64_t old_word = top_ / 64;
    const uint64_t new_word = n / 64;
    const uint64_t steps = std::min<uint64_t>(new_word - old_word, kWords);
    for (uint64_t i = 1; i <= steps; ++i) ring_[(old_word + i) % kWords] = 0;
    top_ = n;
  }
  uint64_t &word = ring_[(n / 64) % kWords];
  const uint64_t bit = 1ULL << (n % 64);
  if (word & bit) return false;
  word |= bit;
  return true;
}

void ReplayWindow::reset() {
  top_ = 0;
  ring_.fill(0);
}

}  // namespace trellis::wg
