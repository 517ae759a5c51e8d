// SPDX-License-Identifier: Apache-2.0
// Device: configuration, peers, the session index table, timers and drop
// accounting. Handshake handling is in device_handshake.cpp, the data path in
// device_data.cpp.
#include "core/device.hpp"

#include <cstring>

namespace trellis::wg {

const char *to_string(DropReason r) {
  switch (r) {
    case DropReason::too_short: return "too_short";
    case DropReason::unknown_type: return "unknown_type";
    case DropReason::bad_reserved: return "bad_reserved";
    case DropReason::bad_length: return "bad_length";
    case DropReason::no_private_key: return "no_private_key";
    case DropReason::bad_mac1: return "bad_mac1";
    case DropReason::cookie_required: return "cookie_required";
    case DropReason::ratelimited: return "ratelimited";
    case DropReason::unknown_peer_key: return "unknown_peer_key";
    case DropReason::handshake_invalid: return "handshake_invalid";
    case DropReason::replayed_initiation: return "replayed_initiation";
    case DropReason::initiation_flood: return "initiation_flood";
    case DropReason::unknown_index: return "unknown_index";
    case DropReason::bad_cookie_reply: return "bad_cookie_reply";
    case DropReason::session_expired: return "session_expired";
    case DropReason::decrypt_failure: return "decrypt_failure";
    case DropReason::replay: return "replay";
    case DropReason::bad_inner_packet: return "bad_inner_packet";
    case DropReason::allowed_ips_mismatch: return "allowed_ips_mismatch";
    case DropReason::bad_tun_packet: return "bad_tun_packet";
    case DropReason::no_route: return "no_route";
    case DropReason::packet_too_big: return "packet_too_big";
    case DropReason::no_endpoint: return "no_endpoint";
    case DropReason::staged_overflow: return "staged_overflow";
    case DropReason::count_: break;
  }
  return "?";
}

size_t Device::KeyHash::operator()(const PublicKey &k) const {
  // Peers are configured, not chosen by the network: a plain hash will do.
  size_t h;
  std::memcpy(&h, k.data(), sizeof(h));
  return h;
}

Device::Device(const DeviceConfig &config, Output &output, const WallClock &wall, RandomSource &rng)
    : config_(config),
      out_(output),
      wall_(wall),
      rng_(rng),
      aead_(make_chacha_poly(config.backend)),
      limiter_(rng, config.rate_limiter_buckets),
      tx_buf_(kMaxDatagramLen + kTransportOverhead),
      rx_buf_(kMaxDatagramLen) {}

Device::~Device() = default;

uint64_t Device::jitter() { return rng_.uniform(kRekeyTimeoutJitterMax); }

bool Device::set_private_key(const SecretKey &key) {
  StaticIdentity next;
  if (!next.set(key)) return false;
  if (identity_.has_key && next.public_key == identity_.public_key) return true;
  identity_ = next;
  if (!checker_.set_local_public_key(identity_.public_key)) {
    identity_.clear();
    return false;
  }
  // A peer cannot be ourselves.
  remove_peer(identity_.public_key);
  for (auto &[key_, peer] : peers_) {
    release_handshake_index(*peer);
    peer->handshake_.init(identity_, peer->public_key_);
    for (const auto *slot : {&peer->current_, &peer->next_}) {
      if (*slot) (*slot)->invalidate_sending();
    }
  }
  return true;
}

Peer *Device::upsert_peer(const PeerConfig &pc, uint64_t now) {
  if (identity_.has_key && pc.public_key == identity_.public_key) return nullptr;
  auto it = peers_.find(pc.public_key);
  if (it == peers_.end()) {
    auto peer = std::make_unique<Peer>(pc.public_key, config_.limits, config_.max_staged_packets);
    peer->handshake_.init(identity_, pc.public_key);
    if (!peer->cookie_.init(pc.public_key)) return nullptr;
    it = peers_.emplace(pc.public_key, std::move(peer)).first;
  }
  Peer &peer = *it->second;
  if (pc.preshared_key) peer.handshake_.set_preshared_key(*pc.preshared_key);
  if (pc.endpoint) peer.endpoint_ = *pc.endpoint;
  if (pc.replace_allowed_ips) allowed_ips_.remove_value(&peer);
  for (const IpPrefix &p : pc.allowed_ips) allowed_ips_.insert(p, &peer);
  if (pc.persistent_keepalive_s) {
    const uint16_t old = peer.persistent_keepalive_s_;
    peer.persistent_keepalive_s_ = *pc.persistent_keepalive_s;
    if (peer.persistent_keepalive_s_ == 0) {
      peer.timers_.disable_persistent_keepalive();
    } else if (old == 0 && !peer.endpoint_.empty() && identity_.has_key) {
      // Turning it on sends one at once (and so starts a handshake), as `wg` does.
      send_keepalive(peer, now);
    }
  }
  return &peer;
}

bool Device::remove_peer(const PublicKey &key) {
  auto it = peers_.find(key);
  if (it == peers_.end()) return false;
  Peer &peer = *it->second;
  release_handshake_index(peer);
  release_keypairs(peer.clear_keypairs());
  allowed_ips_.remove_value(&peer);
  peers_.erase(it);
  return true;
}

Peer *Device::find_peer(const PublicKey &key) const {
  auto it = peers_.find(key);
  return it == peers_.end() ? nullptr : it->second.get();
}

std::vector<Peer *> Device::peers() const {
  std::vector<Peer *> v;
  v.reserve(peers_.size());
  for (const auto &[k, p] : peers_) v.push_back(p.get());
  return v;
}

void Device::set_handshake_backlog(size_t queued, uint64_t now) {
  handshake_backlog_ = queued;
  if (queued >= kUnderLoadBacklog) last_under_load_ = now;
}

bool Device::under_load(uint64_t now) {
  if (handshake_backlog_ >= kUnderLoadBacklog) {
    last_under_load_ = now;
    return true;
  }
  if (last_under_load_ && now < *last_under_load_ + kUnderLoadAfterTime) return true;
  last_under_load_.reset();
  return false;
}

// ---- Index table ----

uint32_t Device::assign_handshake_index(Peer &peer) {
  release_handshake_index(peer);
  // Random, non-zero (zero means "none"), unused. Collisions are rare enough
  // that a bounded number of draws never runs out in practice.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const uint32_t idx = rng_.next_u32();
    if (idx == 0 || index_.contains(idx)) continue;
    index_.emplace(idx, IndexEntry{&peer, false});
    return idx;
  }
  return 0;
}

void Device::release_handshake_index(Peer &peer) {
  const uint32_t idx = peer.handshake_.local_index();
  if (idx == 0) return;
  auto it = index_.find(idx);
  if (it != index_.end() && it->second.peer == &peer && !it->second.keypair) index_.erase(it);
}

void Device::release_keypairs(const std::vector<std::shared_ptr<Keypair>> &gone) {
  for (const auto &kp : gone) {
    if (!kp) continue;
    auto it = index_.find(kp->local_index());
    if (it != index_.end() && it->second.keypair) index_.erase(it);
    // Workers may still hold it; make sure nobody sends or accepts with it.
    kp->invalidate();
  }
}

void Device::install_keypair(Peer &peer, const SessionKeys &keys, uint64_t now) {
  // The handshake's index now names the session.
  index_[keys.local_index] = IndexEntry{&peer, true};
  release_keypairs(peer.install_keypair(std::make_shared<Keypair>(keys, now)));
}

// ---- Timers ----

uint64_t Device::next_deadline() const {
  uint64_t m = PeerTimers::kDisarmed;
  for (const auto &[k, p] : peers_) {
    const uint64_t d = p->timers_.next_deadline();
    m = d < m ? d : m;
  }
  return m;
}

void Device::on_timer(uint64_t now) {
  for (auto &[k, p] : peers_) {
    // Each expiry disarms its timer, and a handler re-arms only for a later
    // time, so this loop ends; the bound is a belt over those braces.
    for (int n = 0; n < 16; ++n) {
      auto t = p->timers_.take_expired(now);
      if (!t) break;
      handle_timer(*p, *t, now);
    }
  }
}

void Device::handle_timer(Peer &peer, TimerKind timer, uint64_t now) {
  PeerTimers &t = peer.timers_;
  switch (timer) {
    case TimerKind::retransmit_handshake:
      if (t.handshake_attempts > config_.limits.max_timer_handshakes()) {
        // Give up: drop what waited for the session; wipe leftovers later.
        peer.stats_.tx_dropped += peer.staged_.size();
        peer.staged_.clear();
        if (!t.armed(TimerKind::zero_key_material)) {
          t.arm(TimerKind::zero_key_material, now + 3 * config_.limits.reject_after_time);
        }
        out_.on_event(Event{Event::Type::peer_stale, peer.public_key_, peer.endpoint_});
      } else {
        ++t.handshake_attempts;
        queue_handshake_initiation(peer, now, true);
      }
      break;
    case TimerKind::send_keepalive:
      send_keepalive(peer, now);
      if (t.need_another_keepalive) {
        t.need_another_keepalive = false;
        t.arm(TimerKind::send_keepalive, now + config_.limits.keepalive_timeout);
      }
      break;
    case TimerKind::new_handshake:
      // Sent data, heard nothing back for KEEPALIVE + REKEY_TIMEOUT.
      queue_handshake_initiation(peer, now, false);
      break;
    case TimerKind::zero_key_material:
      zero_key_material(peer);
      break;
    case TimerKind::persistent_keepalive:
      if (peer.persistent_keepalive_s_ != 0) send_keepalive(peer, now);
      break;
  }
}

void Device::zero_key_material(Peer &peer) {
  release_handshake_index(peer);
  peer.handshake_.clear();
  release_keypairs(peer.clear_keypairs());
}

// ---- Dispatch ----

void Device::on_datagram(const Endpoint &from, std::span<const uint8_t> datagram, uint64_t now) {
  const ParsedMessage m = parse_message(datagram);
  switch (m.status) {
    case ParseStatus::ok:
      break;
    case ParseStatus::too_short:
      return drop(DropReason::too_short);
    case ParseStatus::unknown_type:
      return drop(DropReason::unknown_type);
    case ParseStatus::bad_reserved:
      return drop(DropReason::bad_reserved);
    case ParseStatus::bad_length:
      return drop(DropReason::bad_length);
  }
  switch (m.type) {
    case MessageType::initiation:
    case MessageType::response:
      return handle_handshake(from, datagram, m.type, now);
    case MessageType::cookie_reply:
      return handle_cookie_reply(datagram, now);
    case MessageType::transport:
      return handle_transport(from, datagram, now);
  }
}

}  // namespace trellis::wg
