// SPDX-License-Identifier: Apache-2.0
// Device data path: replay and window, decrypt failures, padding and MTU,
// routing, staging bounds, rekey by message count, and the split
// reserve/seal/commit and lookup/open/commit API the I/O layer will use.
#include <catch2/catch.hpp>

#include "device_harness.hpp"

using namespace trellis::wg;
using namespace trellis::wg::test;

namespace {

// The transport datagrams A sent, in order.
std::vector<std::vector<uint8_t>> transports(const Node &n) {
  std::vector<std::vector<uint8_t>> v;
  for (const auto &s : n.out.sent_log) {
    if (s.bytes[0] == 4) v.push_back(s.bytes);
  }
  return v;
}

}  // namespace

TEST_CASE("device: replayed and out-of-window data is rejected", "[device][replay]") {
  Lab lab;
  lab.send_a_to_b();
  const auto first = transports(lab.a).back();
  lab.b.device.on_datagram(lab.a.addr, first, lab.now);
  CHECK(lab.b.device.drops(DropReason::replay) == 1);
  CHECK(lab.b.out.delivered.size() == 1);

  // Hold one packet back while 9000 newer ones arrive: it falls out of the
  // 8128-packet window.
  std::vector<uint8_t> held;
  lab.filter = [&](const Node &from, const Node &, Sent &s, Endpoint &) {
    if (held.empty() && s.bytes[0] == 4 && &from == &lab.a) {
      held = s.bytes;
      return Fate::drop;
    }
    return Fate::deliver;
  };
  for (int i = 0; i < 9000; ++i) {
    lab.a.device.on_tun_packet(ipv4_packet(kOverlayA, kOverlayB, 40), lab.now);
    lab.pump();
  }
  REQUIRE(lab.b.out.delivered.size() == 9000);
  lab.b.device.on_datagram(lab.a.addr, held, lab.now);
  CHECK(lab.b.device.drops(DropReason::replay) == 2);
  CHECK(lab.b.out.delivered.size() == 9000);
}

TEST_CASE("device: reordered data inside the window is accepted once", "[device][replay]") {
  Lab lab;
  lab.send_a_to_b();
  std::vector<std::vector<uint8_t>> held;
  lab.filter = [&](const Node &from, const Node &, Sent &s, Endpoint &) {
    if (&from == &lab.a && s.bytes[0] == 4) {
      held.push_back(s.bytes);
      return Fate::drop;
    }
    return Fate::deliver;
  };
  for (int i = 0; i < 50; ++i) lab.send_a_to_b(40 + i);
  lab.filter = nullptr;
  for (auto it = held.rbegin(); it != held.rend(); ++it) lab.b.device.on_datagram(lab.a.addr, *it, lab.now);
  CHECK(lab.b.out.delivered.size() == 51);
  for (const auto &h : held) lab.b.device.on_datagram(lab.a.addr, h, lab.now);
  CHECK(lab.b.device.drops(DropReason::replay) == 50);
}

TEST_CASE("device: tampered data fails authentication", "[device]") {
  Lab lab;
  lab.send_a_to_b();
  lab.a.device.on_tun_packet(ipv4_packet(kOverlayA, kOverlayB, 100), lab.now);
  auto d = lab.a.out.outbox.back().bytes;
  lab.a.out.outbox.clear();
  for (size_t pos : {size_t{20}, d.size() - 1}) {
    auto bad = d;
    bad[pos] ^= 0x04;
    lab.b.device.on_datagram(lab.a.addr, bad, lab.now);
  }
  auto bad_counter = d;
  bad_counter[15] ^= 1;  // the counter is the nonce
  lab.b.device.on_datagram(lab.a.addr, bad_counter, lab.now);
  CHECK(lab.b.device.drops(DropReason::decrypt_failure) == 3);
  lab.b.device.on_datagram(lab.a.addr, d, lab.now);  // the genuine one still works
  CHECK(lab.b.out.delivered.size() == 2);
}

TEST_CASE("device: padding to 16, capped at the MTU; MTU and route checks", "[device]") {
  DeviceConfig cfg;
  cfg.mtu = 1420;
  Lab lab(cfg);
  lab.send_a_to_b(100);
  for (size_t len : {size_t{20}, size_t{21}, size_t{32}, size_t{1400}, size_t{1410}, size_t{1419}, size_t{1420}}) {
    lab.send_a_to_b(len);
    const auto dgram = transports(lab.a).back();
    const size_t padded = std::min<size_t>((len + 15) / 16 * 16, 1420);
    INFO("len " << len);
    CHECK(dgram.size() == 16 + padded + 16);
    CHECK(lab.b.out.delivered.back().size() == len);  // padding stripped
  }
  lab.a.device.on_tun_packet(ipv4_packet(kOverlayA, kOverlayB, 1421), lab.now);
  CHECK(lab.a.device.drops(DropReason::packet_too_big) == 1);
  lab.a.device.on_tun_packet(ipv4_packet(kOverlayA, {100, 64, 0, 3}, 100), lab.now);
  CHECK(lab.a.device.drops(DropReason::no_route) == 1);
  std::vector<uint8_t> not_ip(60, 0x00);
  lab.a.device.on_tun_packet(not_ip, lab.now);
  CHECK(lab.a.device.drops(DropReason::bad_tun_packet) == 1);
}

TEST_CASE("device: keepalive is an empty 32-byte packet that delivers nothing", "[device]") {
  Lab lab;
  lab.send_a_to_b();
  // B got data and sends nothing back for KEEPALIVE_TIMEOUT: a keepalive.
  const size_t before = transports(lab.b).size();
  lab.advance(9 * kNsPerSec);
  CHECK(transports(lab.b).size() == before);
  lab.advance(2 * kNsPerSec);
  REQUIRE(transports(lab.b).size() == before + 1);
  CHECK(transports(lab.b).back().size() == 32);
  CHECK(lab.a.out.delivered.empty());
  // A heard from B, so no new handshake is needed.
  lab.advance(20 * kNsPerSec);
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 1);
}

TEST_CASE("device: staged packets are bounded while no session exists", "[device]") {
  Lab lab;
  lab.filter = [](const Node &, const Node &, Sent &, Endpoint &) { return Fate::drop; };
  for (int i = 0; i < 200; ++i) lab.a.device.on_tun_packet(ipv4_packet(kOverlayA, kOverlayB, 60), lab.now);
  CHECK(lab.peer_of_a().staged_packets() == kMaxStagedPackets);
  CHECK(lab.a.device.drops(DropReason::staged_overflow) == 200 - kMaxStagedPackets);
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 0);  // still in outbox
  lab.pump();
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 1);  // rate-limited to one
  // When the session comes up the staged packets go out, in order.
  lab.filter = nullptr;
  lab.advance(6 * kNsPerSec);
  CHECK(lab.b.out.delivered.size() == kMaxStagedPackets);
  CHECK(lab.peer_of_a().staged_packets() == 0);
}

TEST_CASE("device: rekey after REKEY_AFTER_MESSAGES", "[device][rekey]") {
  DeviceConfig cfg;
  cfg.limits.rekey_after_messages = 20;
  Lab lab(cfg);
  lab.send_a_to_b();
  const uint32_t first_index = lab.peer_of_a().current_keypair()->local_index();
  lab.advance(6 * kNsPerSec);  // past the one-initiation-per-REKEY_TIMEOUT limit
  for (int i = 0; i < 19; ++i) lab.send_a_to_b();
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 1);
  lab.send_a_to_b();  // counter 20 used: next is 21 > 20
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 2);
  CHECK(lab.peer_of_a().current_keypair()->local_index() != first_index);
  CHECK(lab.peer_of_a().previous_keypair()->local_index() == first_index);
  // Data still flows on the new session, both ways; the responder confirmed it.
  lab.send_a_to_b();
  lab.send_b_to_a();
  CHECK(lab.b.out.delivered.size() == 22);
  CHECK(lab.a.out.delivered.size() == 1);
  CHECK(lab.peer_of_b().current_keypair()->remote_index() == lab.peer_of_a().current_keypair()->local_index());

  // The responder rekeys by count too (it never does by time).
  lab.advance(6 * kNsPerSec);
  for (int i = 0; i < 25; ++i) lab.send_b_to_a();
  CHECK(Lab::count_sent(lab.b, MessageType::initiation) == 1);
  CHECK(lab.a.out.delivered.size() == 26);
}

TEST_CASE("device: REJECT_AFTER_MESSAGES stops a session", "[device][rekey]") {
  DeviceConfig cfg;
  cfg.limits.reject_after_messages = 30;
  cfg.limits.rekey_after_messages = 1000;  // so only the hard limit acts
  Lab lab(cfg);
  lab.send_a_to_b();
  for (int i = 0; i < 29; ++i) lab.send_a_to_b();
  CHECK(lab.b.out.delivered.size() == 30);
  // Counter 30 cannot be used: the packet is staged and a handshake starts.
  lab.advance(6 * kNsPerSec);
  lab.send_a_to_b();
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 2);
  CHECK(lab.b.out.delivered.size() == 31);
  CHECK(lab.peer_of_a().previous_keypair()->next_send_counter() == 30);
  CHECK_FALSE(lab.peer_of_a().previous_keypair()->sending_valid());
}

TEST_CASE("device: split data path (reserve/seal/commit, lookup/open/commit)", "[device][split]") {
  Lab lab;
  lab.send_a_to_b();
  Device &da = lab.a.device;
  Device &db = lab.b.device;
  auto aead = make_chacha_poly();  // a worker's own context

  // Send side: route, reserve a batch, seal in place on "worker" buffers.
  std::vector<std::vector<uint8_t>> pkts;
  for (int i = 0; i < 8; ++i) pkts.push_back(ipv4_packet(kOverlayA, kOverlayB, 64 + 100 * i, static_cast<uint8_t>(i)));
  Peer *peer = da.route(pkts[0]);
  REQUIRE(peer == &lab.peer_of_a());
  SendReservation r;
  REQUIRE(da.reserve_send(*peer, 8, lab.now, r));
  CHECK(r.count == 8);
  CHECK(r.endpoint == lab.b.addr);
  std::vector<std::vector<uint8_t>> wire;
  size_t bytes = 0;
  for (int i = 0; i < 8; ++i) {
    std::vector<uint8_t> buf(16 + pkts[i].size() + 16 + 16);
    std::copy(pkts[i].begin(), pkts[i].end(), buf.begin() + 16);  // as if read from TUN at offset 16
    const size_t n = r.keypair->seal_in_place(*aead, r.first_counter + i, buf, pkts[i].size(), da.mtu());
    REQUIRE(n != 0);
    buf.resize(n);
    bytes += n;
    wire.push_back(std::move(buf));
  }
  da.commit_sent(*peer, 8, bytes, true, lab.now);

  // Receive side, out of order across "workers", committed in arrival order.
  for (int i = 7; i >= 0; --i) {
    ReceiveTicket t;
    REQUIRE(db.lookup_receive(wire[i], lab.now, t));
    CHECK(t.peer == &lab.peer_of_b());
    std::vector<uint8_t> &buf = wire[i];
    REQUIRE(t.keypair->open(*aead, buf, buf.data() + 16));  // in place
    std::span<const uint8_t> pkt;
    REQUIRE(db.commit_received(t, lab.a.addr, {buf.data() + 16, buf.size() - 32}, buf.size(), lab.now, pkt) ==
            RxVerdict::deliver);
    CHECK(std::equal(pkt.begin(), pkt.end(), pkts[i].begin(), pkts[i].end()));
  }
  // A second commit of the same ticket is a replay.
  ReceiveTicket t;
  CHECK_FALSE(db.lookup_receive(wire[3], lab.now, t));
  CHECK(db.drops(DropReason::replay) == 1);
  CHECK(lab.peer_of_a().stats().tx_bytes >= bytes);
}
