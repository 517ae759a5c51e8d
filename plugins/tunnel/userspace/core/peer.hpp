// SPDX-License-Identifier: Apache-2.0
// One WireGuard peer's state: configuration (static key, preshared key,
// endpoint, persistent keepalive), its handshake and cookie state, the three
// keypair slots, its timers, the packets staged while no session exists, and
// its statistics. The Device owns peers and drives every transition; Peer only
// keeps the state and the keypair-slot rotation rules (whitepaper §6.3;
// Linux noise.c add_new_keypair / received_with_keypair):
//
//   previous  the session before current; still accepted for receiving
//   current   the session we send with
//   next      a responder's new session, unconfirmed until the initiator's
//             first data packet arrives on it; then it becomes current
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/cookie.hpp"
#include "core/endpoint.hpp"
#include "core/keypair.hpp"
#include "core/noise.hpp"
#include "core/timers.hpp"

namespace trellis::wg {

struct PeerStats {
  uint64_t rx_bytes = 0;               // all datagrams from the peer
  uint64_t tx_bytes = 0;               // all datagrams to the peer
  int64_t last_handshake_unix_ns = 0;  // 0: never
  uint64_t rx_dropped = 0;             // authenticated but refused (allowed IPs, bad inner packet)
  uint64_t tx_dropped = 0;             // staged packets discarded
  Endpoint endpoint;
};

// Outbound packets held while a handshake runs. Bounded; the oldest goes when
// full. Buffers keep their capacity, so steady staging does not allocate.
class StagedQueue {
 public:
  explicit StagedQueue(size_t limit) : limit_(limit) {}
  // False if the oldest packet had to be dropped to make room.
  bool push(std::span<const uint8_t> packet);
  std::span<const uint8_t> front() const { return slots_[head_]; }
  void pop();
  void clear();
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

 private:
  size_t limit_;
  std::vector<std::vector<uint8_t>> slots_;
  size_t head_ = 0;
  size_t count_ = 0;
};

class Peer {
 public:
  Peer(const PublicKey &public_key, const Limits &limits, size_t max_staged);
  Peer(const Peer &) = delete;
  Peer &operator=(const Peer &) = delete;

  const PublicKey &public_key() const { return public_key_; }
  const Endpoint &endpoint() const { return endpoint_; }
  uint16_t persistent_keepalive() const { return persistent_keepalive_s_; }
  PeerStats stats() const;

  // Introspection (tests, status).
  HandshakeState handshake_state() const { return handshake_.state(); }
  const std::shared_ptr<Keypair> &current_keypair() const { return current_; }
  const std::shared_ptr<Keypair> &previous_keypair() const { return previous_; }
  const std::shared_ptr<Keypair> &next_keypair() const { return next_; }
  size_t staged_packets() const { return staged_.size(); }
  const PeerTimers &timers() const { return timers_; }

 private:
  friend class Device;

  // Install a new session (Linux add_new_keypair). Returns the keypairs that
  // left the slots, so the device can drop their indices.
  std::vector<std::shared_ptr<Keypair>> install_keypair(std::shared_ptr<Keypair> kp);
  // A packet authenticated under kp: promote `next` if it was that one
  // (Linux received_with_keypair). Returns the keypair that fell out, if any,
  // and sets `confirmed`.
  std::shared_ptr<Keypair> received_with(const Keypair *kp, bool &confirmed);
  // The slot holding local index `idx`, or null.
  std::shared_ptr<Keypair> keypair_by_index(uint32_t idx) const;
  // Empty all slots; returns what was there.
  std::vector<std::shared_ptr<Keypair>> clear_keypairs();

  PublicKey public_key_;
  Handshake handshake_;
  CookieMaker cookie_;
  std::shared_ptr<Keypair> previous_;
  std::shared_ptr<Keypair> current_;
  std::shared_ptr<Keypair> next_;
  PeerTimers timers_;
  StagedQueue staged_;
  Endpoint endpoint_;
  uint16_t persistent_keepalive_s_ = 0;
  std::optional<uint64_t> last_sent_handshake_;
  PeerStats stats_;
};

}  // namespace trellis::wg
