// SPDX-License-Identifier: Apache-2.0
// Events from consecutive statistics samples; states and timers are listed in
// stats_watcher.hpp.
#include "core/stats_watcher.hpp"

#include <cstring>
#include <unordered_set>

namespace trellis::tunnel_kernel {

size_t StatsWatcher::KeyHash::operator()(const PublicKey &k) const noexcept {
  size_t h;
  std::memcpy(&h, k.data(), sizeof(h));  // public keys are uniformly random
  return h;
}

void StatsWatcher::step(Track &t, const PeerSample &s, int64_t now,
                        std::vector<TunnelEvent> &events) {
  const bool session = s.last_handshake_unix_ns != 0 &&
                       now - s.last_handshake_unix_ns < kRejectAfterNs;
  const bool sending = t.sampled && s.tx_bytes > t.tx_bytes;
  if (sending) t.last_tx_growth_ns = now;
  const bool quiet = now - t.last_tx_growth_ns >= kStaleAfterNs;

  switch (t.state) {
    case State::kEstablished:
    case State::kIdle:
      if (session) {
        t.state = State::kEstablished;
      } else if (sending) {
        t.state = State::kTrying;
        t.trying_since_ns = now;
      } else {
        t.state = State::kIdle;
      }
      break;
    case State::kTrying:
      if (session) {
        t.state = State::kEstablished;
      } else if (quiet) {
        t.state = State::kIdle;
      } else if (now - t.trying_since_ns >= kStaleAfterNs) {
        t.state = State::kStale;
        events.push_back({TunnelEvent::Type::kPeerStale, s.public_key, s.endpoint});
      }
      break;
    case State::kStale:
      if (session) {
        t.state = State::kEstablished;
      } else if (quiet) {
        t.state = State::kIdle;
      }
      break;
  }
}

void StatsWatcher::on_sample(std::span<const PeerSample> peers, int64_t now_unix_ns,
                             std::vector<TunnelEvent> &events) {
  std::unordered_set<PublicKey, KeyHash> present;
  present.reserve(peers.size());
  for (const PeerSample &s : peers) {
    present.insert(s.public_key);
    Track &t = peers_[s.public_key];
    if (s.last_handshake_unix_ns != 0 && s.last_handshake_unix_ns > t.last_handshake_unix_ns) {
      events.push_back({TunnelEvent::Type::kHandshake, s.public_key, s.endpoint});
    }
    if ((t.sampled || t.configured) && s.endpoint.family != 0 && s.endpoint != t.endpoint) {
      events.push_back({TunnelEvent::Type::kEndpointChanged, s.public_key, s.endpoint});
    }
    step(t, s, now_unix_ns, events);
    t.endpoint = s.endpoint;
    t.last_handshake_unix_ns = s.last_handshake_unix_ns;
    t.tx_bytes = s.tx_bytes;
    t.sampled = true;
  }
  for (auto it = peers_.begin(); it != peers_.end();) {
    it = present.count(it->first) == 0 ? peers_.erase(it) : std::next(it);
  }
}

void StatsWatcher::on_endpoint_configured(const PublicKey &key, const Endpoint &endpoint) {
  Track &t = peers_[key];
  t.endpoint = endpoint;
  t.configured = true;
}

void StatsWatcher::on_peer_removed(const PublicKey &key) { peers_.erase(key); }

void StatsWatcher::on_device_gone(std::vector<TunnelEvent> &events) {
  peers_.clear();
  if (down_reported_) return;
  down_reported_ = true;
  events.push_back({TunnelEvent::Type::kDown, PublicKey{}, Endpoint{}});
}

void StatsWatcher::reset() {
  peers_.clear();
  down_reported_ = false;
}

}  // namespace trellis::tunnel_kernel
