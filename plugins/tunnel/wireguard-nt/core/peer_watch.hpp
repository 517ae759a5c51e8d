// SPDX-License-Identifier: Apache-2.0
// PeerWatch turns successive statistics snapshots of the driver (it has no
// event interface) into the tunnel events the host wants. Sans-I/O: it is fed
// each snapshot with the wall clock (handshake times are wall-clock FILETIMEs)
// and the monotonic clock (for durations), and returns the events.
//
// Per-peer states, transitions in PeerWatch::step:
//   kIdle         no valid session and nothing being sent
//   kConnecting   no valid session, tx_bytes growing: handshake initiations
//                 (and queued data) are going out
//   kStale        kConnecting for kStaleAfter without a handshake
//   kEstablished  a handshake less than kRejectAfterTime ago
// A session counts as valid for REJECT_AFTER_TIME after its handshake; an
// active peer rekeys before then, so an expired session means an idle peer
// (tx still) or failing handshakes (tx growing, rx not).
//
// Events:
//   HANDSHAKE         the last-handshake time changed to a new non-zero value
//                     (also on first sight of a peer that has one)
//   ENDPOINT_CHANGED  the driver reports an endpoint other than the one last
//                     seen or set through on_endpoint_set: the peer roamed
//   PEER_STALE        on entering kStale
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include <trellis/plugin.h>

#include "core/model.hpp"

namespace trellis::wgnt {

inline constexpr int64_t kRejectAfterTimeNs = 180'000'000'000;  // WireGuard REJECT_AFTER_TIME
inline constexpr uint64_t kStaleAfterNs = 15'000'000'000;        // three REKEY_TIMEOUTs
inline constexpr uint64_t kQuietAfterNs = 15'000'000'000;        // tx still this long: idle

struct PeerEvent {
  trellis_tunnel_event_type type;
  PublicKey public_key;
  std::optional<Endpoint> endpoint;
};

class PeerWatch {
 public:
  enum class State { kIdle, kConnecting, kStale, kEstablished };

  // Peers missing from `peers` are forgotten.
  std::vector<PeerEvent> on_snapshot(const std::vector<PeerState> &peers, int64_t now_unix_ns,
                                     uint64_t now_mono_ns);
  // The host set this endpoint: seeing it next is not roaming.
  void on_endpoint_set(const PublicKey &key, const Endpoint &endpoint);
  void on_peer_removed(const PublicKey &key);
  void reset();

  std::optional<State> state(const PublicKey &key) const;

 private:
  struct Tracked {
    State state = State::kIdle;
    uint64_t handshake_filetime = 0;
    std::optional<Endpoint> endpoint;
    bool seen = false;  // has been in a snapshot
    uint64_t tx_bytes = 0;
    uint64_t connecting_since_ns = 0;
    uint64_t last_tx_growth_ns = 0;
  };
  // The state transition for one snapshot; true when the peer became stale.
  static bool step(Tracked &t, bool session, bool tx_grew, uint64_t now_mono_ns);

  std::map<PublicKey, Tracked> peers_;
};

}  // namespace trellis::wgnt
