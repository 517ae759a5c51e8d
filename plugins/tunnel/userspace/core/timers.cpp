// SPDX-License-Identifier: Apache-2.0
// Timer event hooks (Linux wg_timers_* semantics) over deadline slots.
#include "core/timers.hpp"

namespace trellis::wg {

const char *to_string(TimerKind t) {
  switch (t) {
    case TimerKind::retransmit_handshake: return "retransmit_handshake";
    case TimerKind::send_keepalive: return "send_keepalive";
    case TimerKind::new_handshake: return "new_handshake";
    case TimerKind::zero_key_material: return "zero_key_material";
    case TimerKind::persistent_keepalive: return "persistent_keepalive";
  }
  return "?";
}

// Data went out: if nothing comes back, start a new handshake.
void PeerTimers::on_data_sent(uint64_t now, uint64_t jitter) {
  if (!armed(TimerKind::new_handshake)) {
    arm(TimerKind::new_handshake, now + limits_->keepalive_timeout + limits_->rekey_timeout + jitter);
  }
}

// Data came in: answer with a keepalive unless we send something first.
void PeerTimers::on_data_received(uint64_t now) {
  if (!armed(TimerKind::send_keepalive)) {
    arm(TimerKind::send_keepalive, now + limits_->keepalive_timeout);
  } else {
    need_another_keepalive = true;
  }
}

// Anything authenticated went out: no keepalive needed for now.
void PeerTimers::on_any_authenticated_packet_sent() { disarm(TimerKind::send_keepalive); }

// Anything authenticated came in: the session is alive.
void PeerTimers::on_any_authenticated_packet_received() { disarm(TimerKind::new_handshake); }

void PeerTimers::on_any_authenticated_packet_traversal(uint64_t now, uint16_t persistent_keepalive_s) {
  if (persistent_keepalive_s != 0) {
    arm(TimerKind::persistent_keepalive, now + persistent_keepalive_s * kNsPerSec);
  }
}

void PeerTimers::on_handshake_initiated(uint64_t now, uint64_t jitter) {
  arm(TimerKind::retransmit_handshake, now + limits_->rekey_timeout + jitter);
}

void PeerTimers::on_handshake_complete() {
  disarm(TimerKind::retransmit_handshake);
  handshake_attempts = 0;
  sent_lastminute_handshake = false;
}

// A new session: its keys, and everything else, go 3 * REJECT_AFTER_TIME later
// unless another session replaces them first.
void PeerTimers::on_session_derived(uint64_t now) {
  arm(TimerKind::zero_key_material, now + 3 * limits_->reject_after_time);
}

uint64_t PeerTimers::next_deadline() const {
  uint64_t m = kDisarmed;
  for (uint64_t d : deadlines_) m = d < m ? d : m;
  return m;
}

std::optional<TimerKind> PeerTimers::take_expired(uint64_t now) {
  size_t best = kTimerCount;
  for (size_t i = 0; i < kTimerCount; ++i) {
    if (deadlines_[i] <= now && (best == kTimerCount || deadlines_[i] < deadlines_[best])) best = i;
  }
  if (best == kTimerCount) return std::nullopt;
  deadlines_[best] = kDisarmed;
  return static_cast<TimerKind>(best);
}

void PeerTimers::stop_all() {
  deadlines_.fill(kDisarmed);
  handshake_attempts = 0;
  need_another_keepalive = false;
  sent_lastminute_handshake = false;
}

}  // namespace trellis::wg
