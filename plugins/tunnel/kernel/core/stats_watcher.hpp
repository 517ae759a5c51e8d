// SPDX-License-Identifier: Apache-2.0
// Tunnel events from statistics. Kernel WireGuard (6.1) sends no notifications,
// so the plugin samples GET_DEVICE (on a poll timer and on every get_stats)
// and this core turns consecutive samples into the ABI's events:
//   HANDSHAKE         last_handshake moved forward: a session was established.
//   ENDPOINT_CHANGED  the kernel reports a different endpoint than the last
//                     sample or the last one we configured (roaming).
//   PEER_STALE        no valid session (no handshake within REJECT_AFTER_TIME,
//                     180 s) while tx_bytes keeps growing (handshake
//                     initiations are going out) for kStaleAfter; once per
//                     episode. An episode ends with a handshake, or when tx
//                     has not grown for kStaleAfter (nothing is trying).
//   DOWN              the device disappeared; once.
// Timers (all driven by the samples' clock, nothing here reads a clock):
//   kRejectAfter = 180 s  a session older than this cannot carry data
//   kStaleAfter  = 15 s   three REKEY_TIMEOUTs of failing initiations
// Per-peer states, transitions in StatsWatcher::step:
//   kIdle         no valid session, tx not growing
//   kTrying       no valid session, tx grew within kStaleAfter
//   kStale        kTrying for kStaleAfter or longer; PEER_STALE emitted
//   kEstablished  a session younger than kRejectAfter
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/device.hpp"

namespace trellis::tunnel_kernel {

struct PeerSample {
  PublicKey public_key{};
  Endpoint endpoint;
  int64_t last_handshake_unix_ns = 0;  // 0 = never
  uint64_t tx_bytes = 0;
};

struct TunnelEvent {
  enum class Type { kHandshake, kEndpointChanged, kPeerStale, kDown };
  Type type = Type::kHandshake;
  PublicKey public_key{};  // zero for kDown
  Endpoint endpoint;
};

class StatsWatcher {
 public:
  static constexpr int64_t kRejectAfterNs = 180'000'000'000;
  static constexpr int64_t kStaleAfterNs = 15'000'000'000;

  // One full sample of the device's peers taken at now_unix_ns. Peers missing
  // from it are forgotten.
  void on_sample(std::span<const PeerSample> peers, int64_t now_unix_ns,
                 std::vector<TunnelEvent> &events);
  // We set the peer's endpoint ourselves: not roaming.
  void on_endpoint_configured(const PublicKey &key, const Endpoint &endpoint);
  void on_peer_removed(const PublicKey &key);
  // The device is gone (GET_DEVICE answered ENODEV). Emits kDown once.
  void on_device_gone(std::vector<TunnelEvent> &events);
  // A new device is up: forget everything, re-arm kDown.
  void reset();

 private:
  enum class State { kIdle, kTrying, kEstablished, kStale };
  struct Track {
    State state = State::kIdle;
    bool sampled = false;       // tx_bytes and endpoint hold a previous sample
    bool configured = false;    // endpoint holds what we configured
    Endpoint endpoint;
    int64_t last_handshake_unix_ns = 0;
    uint64_t tx_bytes = 0;
    int64_t trying_since_ns = 0;
    int64_t last_tx_growth_ns = 0;
  };
  // The state transition for one peer's new sample; appends PEER_STALE.
  static void step(Track &t, const PeerSample &s, int64_t now, std::vector<TunnelEvent> &events);
  struct KeyHash {
    size_t operator()(const PublicKey &k) const noexcept;
  };

  std::unordered_map<PublicKey, Track, KeyHash> peers_;
  bool down_reported_ = false;
};

}  // namespace trellis::tunnel_kernel
