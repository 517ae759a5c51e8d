// SPDX-License-Identifier: Apache-2.0
// Device data path: routing, staging, sealing and sending transport data,
// keepalives, rekey triggers (Linux send.c / receive.c keep_key_fresh), and on
// receive the replay window, session confirmation, roaming and the inner
// packet's allowed-IPs source check.
#include "core/device.hpp"

namespace trellis::wg {

// ---- Send ----

Peer *Device::route(std::span<const uint8_t> ip_packet) const {
  const auto hdr = parse_ip_header(ip_packet);
  if (!hdr) return nullptr;
  return const_cast<Peer *>(allowed_ips_.lookup(hdr->version, hdr->dst));
}

void Device::on_tun_packet(std::span<const uint8_t> ip_packet, uint64_t now) {
  const auto hdr = parse_ip_header(ip_packet);
  if (!hdr) return drop(DropReason::bad_tun_packet);
  Peer *peer = const_cast<Peer *>(allowed_ips_.lookup(hdr->version, hdr->dst));
  if (peer == nullptr) return drop(DropReason::no_route);
  if (config_.mtu != 0 && ip_packet.size() > config_.mtu) return drop(DropReason::packet_too_big);
  send_packet(*peer, ip_packet.first(hdr->total_len), now);
}

void Device::send_packet(Peer &peer, std::span<const uint8_t> ip_packet, uint64_t now) {
  // Fast case: nothing waiting and a live session: seal straight from the input.
  SendReservation r;
  if (peer.staged_.empty() && !ip_packet.empty() && reserve_send(peer, 1, now, r)) {
    const size_t n = r.keypair->seal(*aead_, r.first_counter, ip_packet, config_.mtu, tx_buf_);
    if (n == 0) return drop(DropReason::packet_too_big);
    transmit(peer, {tx_buf_.data(), n});
    after_data_sent(peer, true, now);
    return;
  }
  if (!peer.staged_.push(ip_packet)) {
    ++peer.stats_.tx_dropped;
    drop(DropReason::staged_overflow);
  }
  send_staged(peer, now);
}

bool Device::reserve_send(Peer &peer, uint32_t count, uint64_t now, SendReservation &out) {
  Keypair *kp = peer.current_.get();
  if (kp == nullptr) return false;
  if (!kp->can_send(now, config_.limits)) {
    kp->invalidate_sending();
    return false;
  }
  if (!kp->reserve(count, config_.limits, out.first_counter)) return false;
  out.keypair = peer.current_;
  out.count = count;
  out.endpoint = peer.endpoint_;
  return true;
}

void Device::commit_sent(Peer &peer, size_t datagrams, size_t bytes, bool had_data, uint64_t now) {
  if (datagrams == 0) return;
  peer.stats_.tx_bytes += bytes;
  after_data_sent(peer, had_data, now);
}

void Device::send_staged(Peer &peer, uint64_t now) {
  if (peer.staged_.empty()) return;
  SendReservation r;
  if (!reserve_send(peer, static_cast<uint32_t>(peer.staged_.size()), now, r)) {
    // No usable session: the packets wait for a new one.
    queue_handshake_initiation(peer, now, false);
    return;
  }
  bool had_data = false;
  for (uint64_t counter = r.first_counter; !peer.staged_.empty(); ++counter) {
    const auto pkt = peer.staged_.front();
    had_data |= !pkt.empty();
    const size_t n = r.keypair->seal(*aead_, counter, pkt, config_.mtu, tx_buf_);
    if (n != 0) transmit(peer, {tx_buf_.data(), n});
    peer.staged_.pop();
  }
  after_data_sent(peer, had_data, now);
}

void Device::send_keepalive(Peer &peer, uint64_t now) {
  if (peer.staged_.empty()) peer.staged_.push({});
  send_staged(peer, now);
}

void Device::after_data_sent(Peer &peer, bool had_data, uint64_t now) {
  peer.timers_.on_any_authenticated_packet_traversal(now, peer.persistent_keepalive_s_);
  peer.timers_.on_any_authenticated_packet_sent();
  if (had_data) peer.timers_.on_data_sent(now, jitter());
  keep_key_fresh_send(peer, now);
}

// Rekey when the session has carried REKEY_AFTER_MESSAGES or, for the
// initiator, lived REKEY_AFTER_TIME.
void Device::keep_key_fresh_send(Peer &peer, uint64_t now) {
  const Keypair *kp = peer.current_.get();
  if (kp == nullptr || !kp->sending_valid()) return;
  if (kp->next_send_counter() > config_.limits.rekey_after_messages ||
      (kp->initiator() && now >= kp->birth() + config_.limits.rekey_after_time)) {
    queue_handshake_initiation(peer, now, false);
  }
}

// The initiator rekeys once more when a received packet shows the session is
// close to REJECT_AFTER_TIME and the usual trigger did not fire (idle sender).
void Device::keep_key_fresh_receive(Peer &peer, uint64_t now) {
  if (peer.timers_.sent_lastminute_handshake) return;
  const Keypair *kp = peer.current_.get();
  const Limits &l = config_.limits;
  if (kp != nullptr && kp->sending_valid() && kp->initiator() &&
      now >= kp->birth() + l.reject_after_time - l.keepalive_timeout - l.rekey_timeout) {
    peer.timers_.sent_lastminute_handshake = true;
    queue_handshake_initiation(peer, now, false);
  }
}

void Device::transmit(Peer &peer, std::span<const uint8_t> datagram) {
  if (peer.endpoint_.empty()) return drop(DropReason::no_endpoint);
  peer.stats_.tx_bytes += datagram.size();
  out_.send(peer.endpoint_, datagram);
}

// ---- Receive ----

void Device::set_endpoint(Peer &peer, const Endpoint &from) {
  if (from.empty() || from == peer.endpoint_) return;
  peer.endpoint_ = from;
  out_.on_event(Event{Event::Type::endpoint_changed, peer.public_key_, from});
}

void Device::handle_transport(const Endpoint &from, std::span<const uint8_t> datagram, uint64_t now) {
  ReceiveTicket t;
  if (!lookup_receive(datagram, now, t)) return;
  if (!t.keypair->open(*aead_, datagram, rx_buf_.data())) return drop(DropReason::decrypt_failure);
  std::span<const uint8_t> packet;
  const std::span<const uint8_t> plaintext{rx_buf_.data(), datagram.size() - kTransportOverhead};
  if (commit_received(t, from, plaintext, datagram.size(), now, packet) == RxVerdict::deliver) {
    out_.deliver(packet);
  }
}

bool Device::lookup_receive(std::span<const uint8_t> datagram, uint64_t now, ReceiveTicket &out) {
  const ParsedMessage m = parse_message(datagram);
  if (m.status != ParseStatus::ok || m.type != MessageType::transport) {
    drop(DropReason::bad_length);
    return false;
  }
  const TransportHeader h = decode_transport_header(datagram);
  auto it = index_.find(h.receiver_index);
  if (it == index_.end() || !it->second.keypair) {
    drop(DropReason::unknown_index);
    return false;
  }
  std::shared_ptr<Keypair> kp = it->second.peer->keypair_by_index(h.receiver_index);
  if (!kp) {
    drop(DropReason::unknown_index);
    return false;
  }
  if (!kp->can_receive(now, config_.limits)) {
    drop(DropReason::session_expired);
    return false;
  }
  // Cheap early refusal; the authoritative check is in commit_received.
  if (!kp->replay().check(h.counter, config_.limits.reject_after_messages)) {
    drop(DropReason::replay);
    return false;
  }
  out.peer = it->second.peer;
  out.keypair = std::move(kp);
  out.counter = h.counter;
  return true;
}

RxVerdict Device::commit_received(const ReceiveTicket &t, const Endpoint &from, std::span<const uint8_t> plaintext,
                                  size_t datagram_len, uint64_t now, std::span<const uint8_t> &packet) {
  Peer &peer = *t.peer;
  Keypair &kp = *t.keypair;
  if (!kp.can_receive(now, config_.limits)) {
    drop(DropReason::session_expired);
    return RxVerdict::dropped;
  }
  if (!kp.replay().accept(t.counter, config_.limits.reject_after_messages)) {
    drop(DropReason::replay);
    return RxVerdict::dropped;
  }
  // Authenticated and fresh: the peer is wherever this came from.
  set_endpoint(peer, from);
  peer.stats_.rx_bytes += datagram_len;
  bool confirmed = false;
  if (auto gone = peer.received_with(&kp, confirmed)) release_keypairs({gone});
  if (confirmed) {
    // The initiator used our new session: it is current now.
    handshake_complete(peer);
    send_staged(peer, now);
  }
  keep_key_fresh_receive(peer, now);
  peer.timers_.on_any_authenticated_packet_received();
  peer.timers_.on_any_authenticated_packet_traversal(now, peer.persistent_keepalive_s_);
  if (plaintext.empty()) return RxVerdict::keepalive;
  peer.timers_.on_data_received(now);

  const auto hdr = parse_ip_header(plaintext);
  if (!hdr) {
    ++peer.stats_.rx_dropped;
    drop(DropReason::bad_inner_packet);
    return RxVerdict::dropped;
  }
  if (allowed_ips_.lookup(hdr->version, hdr->src) != &peer) {
    ++peer.stats_.rx_dropped;
    drop(DropReason::allowed_ips_mismatch);
    return RxVerdict::dropped;
  }
  packet = plaintext.first(hdr->total_len);
  return RxVerdict::deliver;
}

}  // namespace trellis::wg
