// SPDX-License-Identifier: Apache-2.0
// Device handshake handling: MAC and cookie checks under load, initiation and
// response processing, cookie replies, and sending our own handshake messages
// with Linux's rate limits (one initiation per REKEY_TIMEOUT per peer).
#include "core/device.hpp"

namespace trellis::wg {

// Resolves an initiator's static key to the peer's handshake.
class Device::Directory final : public InitiationConsumer::Directory {
 public:
  explicit Directory(Device &d) : device_(d) {}
  Handshake *find_handshake(const PublicKey &key) override {
    peer_ = device_.find_peer(key);
    return peer_ != nullptr ? &peer_->handshake_ : nullptr;
  }
  Peer *peer() const { return peer_; }

 private:
  Device &device_;
  Peer *peer_ = nullptr;
};

void Device::handle_handshake(const Endpoint &from, std::span<const uint8_t> datagram, MessageType type,
                              uint64_t now) {
  if (!identity_.has_key) return drop(DropReason::no_private_key);
  const bool load = under_load(now);
  const MacState mac = checker_.validate(datagram, from, load, now, limiter_, rng_);
  if (mac == MacState::invalid_mac) return drop(DropReason::bad_mac1);
  if (load) {
    if (mac == MacState::valid_mac_with_cookie_but_ratelimited) return drop(DropReason::ratelimited);
    if (mac == MacState::valid_mac_no_cookie) {
      // Prove the source address before spending a DH on it: send a cookie.
      const uint32_t sender = load_le32(datagram.data() + 4);
      MessageCookieReply reply;
      if (checker_.create_reply(datagram, sender, from, now, rng_, reply)) {
        out_.send(from, message_bytes(reply));
        ++cookie_replies_sent_;
      }
      return drop(DropReason::cookie_required);
    }
  }
  if (type == MessageType::initiation) {
    handle_initiation(from, datagram, now);
  } else {
    handle_response(from, datagram, now);
  }
}

void Device::handle_initiation(const Endpoint &from, std::span<const uint8_t> datagram, uint64_t now) {
  const auto msg = decode_message<MessageInitiation>(datagram);
  Directory dir(*this);
  Handshake *hs = nullptr;
  const NoiseError err = InitiationConsumer::consume(identity_, *aead_, msg, now, dir, hs);
  switch (err) {
    case NoiseError::none:
      break;
    case NoiseError::unknown_peer:
      return drop(DropReason::unknown_peer_key);
    case NoiseError::stale_timestamp:
      return drop(DropReason::replayed_initiation);
    case NoiseError::flood:
      return drop(DropReason::initiation_flood);
    default:
      return drop(DropReason::handshake_invalid);
  }
  Peer &peer = *dir.peer();
  set_endpoint(peer, from);
  send_handshake_response(peer, now);
  peer.stats_.rx_bytes += datagram.size();
  peer.timers_.on_any_authenticated_packet_received();
  peer.timers_.on_any_authenticated_packet_traversal(now, peer.persistent_keepalive_s_);
}

void Device::handle_response(const Endpoint &from, std::span<const uint8_t> datagram, uint64_t now) {
  const auto msg = decode_message<MessageResponse>(datagram);
  auto it = index_.find(load_le32(msg.receiver_index.data()));
  if (it == index_.end() || it->second.keypair) return drop(DropReason::unknown_index);
  Peer &peer = *it->second.peer;
  if (peer.handshake_.consume_response(identity_, *aead_, msg) != NoiseError::none) {
    return drop(DropReason::handshake_invalid);
  }
  set_endpoint(peer, from);
  SessionKeys keys;
  if (peer.handshake_.begin_session(keys) == NoiseError::none) {
    install_keypair(peer, keys, now);
    peer.timers_.on_session_derived(now);
    handshake_complete(peer);
    // Sends what was staged, or a keepalive to confirm the session to the
    // responder at once.
    send_keepalive(peer, now);
  }
  peer.stats_.rx_bytes += datagram.size();
  peer.timers_.on_any_authenticated_packet_received();
  peer.timers_.on_any_authenticated_packet_traversal(now, peer.persistent_keepalive_s_);
}

void Device::handle_cookie_reply(std::span<const uint8_t> datagram, uint64_t now) {
  const auto msg = decode_message<MessageCookieReply>(datagram);
  auto it = index_.find(load_le32(msg.receiver_index.data()));
  if (it == index_.end()) return drop(DropReason::unknown_index);
  if (!it->second.peer->cookie_.consume_reply(msg, now)) return drop(DropReason::bad_cookie_reply);
  // The next retransmission carries mac2; nothing is sent now, as in Linux.
}

void Device::queue_handshake_initiation(Peer &peer, uint64_t now, bool is_retry) {
  if (!is_retry) peer.timers_.handshake_attempts = 0;
  send_handshake_initiation(peer, now);
}

void Device::send_handshake_initiation(Peer &peer, uint64_t now) {
  // At most one initiation per REKEY_TIMEOUT.
  if (peer.last_sent_handshake_ && now < *peer.last_sent_handshake_ + config_.limits.rekey_timeout) return;
  if (!identity_.has_key) return drop(DropReason::no_private_key);
  peer.last_sent_handshake_ = now;
  const uint32_t idx = assign_handshake_index(peer);
  if (idx == 0) return;
  MessageInitiation msg;
  if (peer.handshake_.create_initiation(identity_, *aead_, rng_, wall_.unix_ns(), idx, msg) != NoiseError::none) {
    index_.erase(idx);
    peer.handshake_.clear();
    return;
  }
  if (!peer.cookie_.add_macs(message_bytes(msg), now)) return;
  peer.timers_.on_any_authenticated_packet_traversal(now, peer.persistent_keepalive_s_);
  peer.timers_.on_any_authenticated_packet_sent();
  transmit(peer, message_bytes(msg));
  peer.timers_.on_handshake_initiated(now, jitter());
}

void Device::send_handshake_response(Peer &peer, uint64_t now) {
  peer.last_sent_handshake_ = now;
  // Replaces the index of any initiation of ours still in flight.
  const uint32_t idx = assign_handshake_index(peer);
  if (idx == 0) return;
  MessageResponse msg;
  if (peer.handshake_.create_response(*aead_, rng_, idx, msg) != NoiseError::none) {
    index_.erase(idx);
    peer.handshake_.clear();
    return drop(DropReason::handshake_invalid);
  }
  if (!peer.cookie_.add_macs(message_bytes(msg), now)) return;
  SessionKeys keys;
  if (peer.handshake_.begin_session(keys) != NoiseError::none) return;
  install_keypair(peer, keys, now);
  peer.timers_.on_session_derived(now);
  peer.timers_.on_any_authenticated_packet_traversal(now, peer.persistent_keepalive_s_);
  peer.timers_.on_any_authenticated_packet_sent();
  transmit(peer, message_bytes(msg));
}

void Device::handshake_complete(Peer &peer) {
  peer.timers_.on_handshake_complete();
  peer.stats_.last_handshake_unix_ns = wall_.unix_ns();
  out_.on_event(Event{Event::Type::handshake_complete, peer.public_key_, peer.endpoint_});
}

}  // namespace trellis::wg
