// SPDX-License-Identifier: Apache-2.0
// Snapshot-to-event tracking (see peer_watch.hpp for states and events).
#include "core/peer_watch.hpp"

#include "core/filetime.hpp"

namespace trellis::wgnt {

bool PeerWatch::step(Tracked &t, bool session, bool tx_grew, uint64_t now) {
  if (tx_grew) t.last_tx_growth_ns = now;
  const bool quiet = now - t.last_tx_growth_ns >= kQuietAfterNs;
  switch (t.state) {
    case State::kIdle:
      if (session) {
        t.state = State::kEstablished;
      } else if (tx_grew) {
        t.state = State::kConnecting;
        t.connecting_since_ns = now;
      }
      return false;
    case State::kConnecting:
      if (session) {
        t.state = State::kEstablished;
      } else if (quiet) {
        t.state = State::kIdle;
      } else if (now - t.connecting_since_ns >= kStaleAfterNs) {
        t.state = State::kStale;
        return true;
      }
      return false;
    case State::kStale:
      if (session)
        t.state = State::kEstablished;
      else if (quiet)
        t.state = State::kIdle;
      return false;
    case State::kEstablished:
      if (session) return false;
      if (tx_grew) {
        t.state = State::kConnecting;
        t.connecting_since_ns = now;
      } else {
        t.state = State::kIdle;
      }
      return false;
  }
  return false;
}

std::vector<PeerEvent> PeerWatch::on_snapshot(const std::vector<PeerState> &peers,
                                              int64_t now_unix_ns, uint64_t now_mono_ns) {
  std::vector<PeerEvent> events;
  std::map<PublicKey, Tracked> next;
  for (const PeerState &p : peers) {
    Tracked t;
    if (auto it = peers_.find(p.public_key); it != peers_.end()) t = it->second;

    if (p.last_handshake_filetime != 0 && p.last_handshake_filetime != t.handshake_filetime)
      events.push_back({TRELLIS_TUNNEL_EV_HANDSHAKE, p.public_key, p.endpoint});
    t.handshake_filetime = p.last_handshake_filetime;

    if (p.endpoint) {
      if (t.endpoint && *t.endpoint != *p.endpoint)
        events.push_back({TRELLIS_TUNNEL_EV_ENDPOINT_CHANGED, p.public_key, p.endpoint});
      t.endpoint = p.endpoint;
    }

    bool session = false;
    if (p.last_handshake_filetime != 0) {
      const int64_t age = now_unix_ns - filetime_to_unix_ns(p.last_handshake_filetime);
      session = age < kRejectAfterTimeNs;  // a clock set back gives a negative age: valid
    }
    const bool tx_grew = t.seen && p.tx_bytes > t.tx_bytes;
    if (!t.seen) t.last_tx_growth_ns = now_mono_ns;
    if (step(t, session, tx_grew, now_mono_ns))
      events.push_back({TRELLIS_TUNNEL_EV_PEER_STALE, p.public_key, p.endpoint});
    t.tx_bytes = p.tx_bytes;
    t.seen = true;
    next[p.public_key] = t;
  }
  peers_ = std::move(next);
  return events;
}

void PeerWatch::on_endpoint_set(const PublicKey &key, const Endpoint &endpoint) {
  peers_[key].endpoint = endpoint;
}

void PeerWatch::on_peer_removed(const PublicKey &key) { peers_.erase(key); }

void PeerWatch::reset() { peers_.clear(); }

std::optional<PeerWatch::State> PeerWatch::state(const PublicKey &key) const {
  auto it = peers_.find(key);
  if (it == peers_.end() || !it->second.seen) return std::nullopt;
  return it->second.state;
}

}  // namespace trellis::wgnt
