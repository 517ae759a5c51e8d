// SPDX-License-Identifier: Apache-2.0
// The per-peer timers of WireGuard (whitepaper §6; Linux timers.c), as
// deadlines on the monotonic clock rather than OS timers: the device fires the
// expired ones from on_timer(now) and reports the earliest as its deadline.
//
//   retransmit_handshake  REKEY_TIMEOUT + jitter(0..1/3 s) after an initiation
//                         with no response: send another, until more than
//                         REKEY_ATTEMPT_TIME / REKEY_TIMEOUT retries, then give
//                         up (drop staged packets, schedule zero_key_material).
//   send_keepalive        KEEPALIVE_TIMEOUT after data was received, if we
//                         sent nothing since: send an empty packet.
//   new_handshake         KEEPALIVE_TIMEOUT + REKEY_TIMEOUT (+ jitter) after
//                         data was sent, if nothing was received since: the
//                         session looks dead, initiate a new handshake.
//   zero_key_material     3 * REJECT_AFTER_TIME after the last session was
//                         derived: wipe all keypairs and handshake state.
//   persistent_keepalive  every N s after any authenticated packet went either
//                         way, when the peer has a persistent keepalive N.
//
// The event hooks keep Linux's names and rules; which packets count as "data"
// (not keepalives) or "authenticated" is the caller's to decide.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/constants.hpp"

namespace trellis::wg {

enum class TimerKind : uint8_t {
  retransmit_handshake,
  send_keepalive,
  new_handshake,
  zero_key_material,
  persistent_keepalive,
};
inline constexpr size_t kTimerCount = 5;

const char *to_string(TimerKind t);

class PeerTimers {
 public:
  static constexpr uint64_t kDisarmed = UINT64_MAX;

  explicit PeerTimers(const Limits &limits) : limits_(&limits) {}

  // `jitter` is a fresh random value in [0, REKEY_TIMEOUT_JITTER_MAX).
  void on_data_sent(uint64_t now, uint64_t jitter);
  void on_data_received(uint64_t now);
  void on_any_authenticated_packet_sent();
  void on_any_authenticated_packet_received();
  void on_any_authenticated_packet_traversal(uint64_t now, uint16_t persistent_keepalive_s);
  void on_handshake_initiated(uint64_t now, uint64_t jitter);
  void on_handshake_complete();
  void on_session_derived(uint64_t now);
  // Persistent keepalive turned off.
  void disable_persistent_keepalive() { disarm(TimerKind::persistent_keepalive); }

  // Earliest armed deadline, or kDisarmed.
  uint64_t next_deadline() const;
  // Disarm and return one expired timer (earliest first), if any.
  std::optional<TimerKind> take_expired(uint64_t now);

  bool armed(TimerKind t) const { return deadline(t) != kDisarmed; }
  uint64_t deadline(TimerKind t) const { return deadlines_[static_cast<size_t>(t)]; }
  void arm(TimerKind t, uint64_t at) { deadlines_[static_cast<size_t>(t)] = at; }
  void disarm(TimerKind t) { deadlines_[static_cast<size_t>(t)] = kDisarmed; }
  void stop_all();

  // Retransmissions since the last handshake_complete or fresh initiation.
  uint32_t handshake_attempts = 0;
  // Data arrived while a keepalive was already scheduled: send one more later.
  bool need_another_keepalive = false;
  // The receive-side "rekey before REJECT_AFTER_TIME" handshake was sent.
  bool sent_lastminute_handshake = false;

 private:
  const Limits *limits_;
  std::array<uint64_t, kTimerCount> deadlines_{kDisarmed, kDisarmed, kDisarmed, kDisarmed, kDisarmed};
};

}  // namespace trellis::wg
