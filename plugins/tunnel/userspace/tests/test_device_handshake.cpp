// SPDX-License-Identifier: Apache-2.0
// Two devices in memory: handshakes in both directions, data both ways,
// preshared keys, unknown keys, initiation replay, cookies under load,
// roaming, the allowed-IPs source filter and malformed datagrams.
#include <catch2/catch.hpp>

#include "device_harness.hpp"

using namespace trellis::wg;
using namespace trellis::wg::test;

TEST_CASE("device: first packet triggers a handshake, then flows both ways", "[device]") {
  Lab lab;
  const auto p = lab.send_a_to_b(100);
  // A: initiation, then the staged packet on the new session.
  REQUIRE(Lab::count_sent(lab.a, MessageType::initiation) == 1);
  REQUIRE(Lab::count_sent(lab.b, MessageType::response) == 1);
  REQUIRE(lab.b.out.delivered.size() == 1);
  CHECK(lab.b.out.delivered[0] == p);
  CHECK(lab.a.out.sent_log[0].bytes.size() == kInitiationLen);
  CHECK(lab.b.out.sent_log[0].bytes.size() == kResponseLen);
  CHECK(lab.a.out.sent_log[0].to == lab.b.addr);

  // Both sides consider the handshake complete (B once A's data confirmed it).
  CHECK(lab.a.out.count_events(Event::Type::handshake_complete) == 1);
  CHECK(lab.b.out.count_events(Event::Type::handshake_complete) == 1);
  CHECK(lab.peer_of_a().current_keypair());
  CHECK(lab.peer_of_b().current_keypair());
  CHECK_FALSE(lab.peer_of_b().next_keypair());
  CHECK(lab.peer_of_a().current_keypair()->initiator());
  CHECK_FALSE(lab.peer_of_b().current_keypair()->initiator());
  CHECK(lab.peer_of_a().stats().last_handshake_unix_ns == lab.a.wall.now);

  const auto q = lab.send_b_to_a(300);
  REQUIRE(lab.a.out.delivered.size() == 1);
  CHECK(lab.a.out.delivered[0] == q);
  for (int i = 0; i < 10; ++i) {
    lab.send_a_to_b(60 + i);
    lab.send_b_to_a(1400 - i);
  }
  CHECK(lab.b.out.delivered.size() == 11);
  CHECK(lab.a.out.delivered.size() == 11);
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 1);  // no more handshakes

  // Statistics count every datagram each way.
  size_t a_tx = 0;
  for (const auto &s : lab.a.out.sent_log) a_tx += s.bytes.size();
  CHECK(lab.peer_of_a().stats().tx_bytes == a_tx);
  CHECK(lab.peer_of_b().stats().rx_bytes == a_tx);
  CHECK(lab.peer_of_a().stats().endpoint == lab.b.addr);
  for (uint64_t d : lab.a.device.drop_counters()) CHECK(d == 0);
  for (uint64_t d : lab.b.device.drop_counters()) CHECK(d == 0);
}

TEST_CASE("device: handshake initiated by the other side", "[device]") {
  Lab lab(DeviceConfig{}, true);
  const auto q = lab.send_b_to_a(200);
  REQUIRE(Lab::count_sent(lab.b, MessageType::initiation) == 1);
  REQUIRE(lab.a.out.delivered.size() == 1);
  CHECK(lab.a.out.delivered[0] == q);
  const auto p = lab.send_a_to_b(200);
  REQUIRE(lab.b.out.delivered.size() == 1);
  CHECK(lab.b.out.delivered[0] == p);
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 0);
}

TEST_CASE("device: preshared key mismatch never completes", "[device]") {
  Lab lab;
  PeerConfig pc;
  pc.public_key = lab.b.pub;
  pc.preshared_key = secret("0101010101010101010101010101010101010101010101010101010101010101");
  lab.a.device.upsert_peer(pc, lab.now);
  lab.send_a_to_b();
  CHECK(lab.b.out.delivered.empty());
  CHECK(lab.a.device.drops(DropReason::handshake_invalid) == 1);  // the response fails at A
  CHECK_FALSE(lab.peer_of_a().current_keypair());
  CHECK(lab.a.out.count_events(Event::Type::handshake_complete) == 0);
}

TEST_CASE("device: initiation from an unknown static key is dropped", "[device]") {
  Lab lab;
  REQUIRE(lab.b.device.remove_peer(lab.a.pub));
  lab.send_a_to_b();
  CHECK(lab.b.device.drops(DropReason::unknown_peer_key) == 1);
  CHECK(Lab::count_sent(lab.b, MessageType::response) == 0);
  CHECK(lab.b.device.index_count() == 0);
}

TEST_CASE("device: a replayed initiation (same TAI64N) is dropped", "[device]") {
  Lab lab;
  std::vector<uint8_t> captured;
  lab.filter = [&](const Node &from, const Node &, Sent &s, Endpoint &) {
    if (s.bytes[0] == 1 && captured.empty()) captured = s.bytes;
    return Fate::deliver;
  };
  lab.send_a_to_b();
  REQUIRE(captured.size() == kInitiationLen);
  REQUIRE(lab.b.out.delivered.size() == 1);
  lab.set_now(lab.now + 2 * kNsPerSec);
  const size_t responses = Lab::count_sent(lab.b, MessageType::response);
  lab.b.device.on_datagram(lab.a.addr, captured, lab.now);
  CHECK(lab.b.device.drops(DropReason::replayed_initiation) == 1);
  lab.pump();
  CHECK(Lab::count_sent(lab.b, MessageType::response) == responses);
  // The established session is untouched.
  lab.send_a_to_b();
  CHECK(lab.b.out.delivered.size() == 2);
}

TEST_CASE("device: under load a cookie is required, then the retry succeeds", "[device]") {
  Lab lab;
  lab.b.device.set_handshake_backlog(kUnderLoadBacklog, lab.now);
  lab.send_a_to_b();
  CHECK(lab.b.device.drops(DropReason::cookie_required) == 1);
  CHECK(lab.b.device.cookie_replies_sent() == 1);
  CHECK(Lab::count_sent(lab.b, MessageType::cookie_reply) == 1);
  CHECK(Lab::count_sent(lab.b, MessageType::response) == 0);
  CHECK(lab.b.out.delivered.empty());

  // The retransmission (REKEY_TIMEOUT + jitter later) carries mac2.
  lab.b.device.set_handshake_backlog(kUnderLoadBacklog, lab.now + 5 * kNsPerSec);
  lab.advance(5 * kNsPerSec + kNsPerSec / 3);
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 2);
  CHECK(lab.b.device.under_load(lab.now));
  CHECK(Lab::count_sent(lab.b, MessageType::response) == 1);
  REQUIRE(lab.b.out.delivered.size() == 1);  // the staged packet arrived
  CHECK(lab.b.device.drops(DropReason::cookie_required) == 1);
}

TEST_CASE("device: under load, handshakes with a wrong mac1 or over the rate are dropped", "[device]") {
  Lab lab;
  std::vector<uint8_t> init;
  lab.filter = [&](const Node &, const Node &, Sent &s, Endpoint &) {
    if (s.bytes[0] == 1) init = s.bytes;
    return Fate::drop;
  };
  lab.send_a_to_b();
  REQUIRE(init.size() == kInitiationLen);
  auto bad = init;
  bad[116] ^= 1;
  lab.b.device.on_datagram(lab.a.addr, bad, lab.now);
  CHECK(lab.b.device.drops(DropReason::bad_mac1) == 1);
  lab.b.device.set_handshake_backlog(kUnderLoadBacklog, lab.now);
  lab.b.device.on_datagram(lab.a.addr, bad, lab.now);
  CHECK(lab.b.device.drops(DropReason::bad_mac1) == 2);
  CHECK(lab.b.device.cookie_replies_sent() == 0);
}

TEST_CASE("device: roaming follows the last authenticated source", "[device]") {
  Lab lab;
  lab.send_a_to_b();
  REQUIRE(lab.b.out.delivered.size() == 1);
  // A moves to a new address (a NAT rebinding).
  const Endpoint moved = Endpoint::udp4({198, 51, 100, 9}, 40000);
  lab.a.addr = moved;
  lab.send_a_to_b();
  CHECK(lab.peer_of_b().endpoint() == moved);
  CHECK(lab.b.out.count_events(Event::Type::endpoint_changed) == 1);
  CHECK(lab.b.out.events.back().endpoint == moved);
  // B's replies now go there, and arrive.
  lab.send_b_to_a();
  CHECK(lab.b.out.sent_log.back().to == moved);
  CHECK(lab.a.out.delivered.size() == 1);

  // An unauthenticated datagram from elsewhere does not move the endpoint.
  auto junk = ipv4_packet(kOverlayA, kOverlayB, 64);
  std::vector<uint8_t> forged(16 + 64 + 16, 0);
  forged[0] = 4;
  std::copy(lab.b.out.sent_log.back().bytes.begin() + 4, lab.b.out.sent_log.back().bytes.begin() + 8,
            forged.begin() + 4);  // some index; whatever it names, it will not authenticate
  lab.b.device.on_datagram(Endpoint::udp4({203, 0, 113, 66}, 1), forged, lab.now);
  CHECK(lab.peer_of_b().endpoint() == moved);

  // Packet paths are endpoints too.
  lab.a.addr = Endpoint::path(7);
  lab.send_a_to_b();
  CHECK(lab.peer_of_b().endpoint() == Endpoint::path(7));
}

TEST_CASE("device: decrypted packets must come from the peer's allowed IPs", "[device]") {
  Lab lab;
  lab.send_a_to_b();
  // B forges a source address that belongs to nobody (or to another peer).
  auto spoofed = ipv4_packet({100, 64, 0, 99}, kOverlayA, 80);
  lab.b.device.on_tun_packet(spoofed, lab.now);
  lab.pump();
  CHECK(lab.a.device.drops(DropReason::allowed_ips_mismatch) == 1);
  CHECK(lab.a.out.delivered.empty());
  CHECK(lab.peer_of_a().stats().rx_dropped == 1);
  // A legitimate one passes.
  lab.send_b_to_a();
  CHECK(lab.a.out.delivered.size() == 1);
}

TEST_CASE("device: malformed datagrams are dropped and counted", "[device]") {
  Lab lab;
  lab.send_a_to_b();
  Device &d = lab.b.device;
  const Endpoint src = Endpoint::udp4({203, 0, 113, 50}, 9);
  auto feed = [&](std::vector<uint8_t> v) { d.on_datagram(src, v, lab.now); };
  feed({});
  feed({4, 0});
  CHECK(d.drops(DropReason::too_short) == 2);
  feed(std::vector<uint8_t>(148, 0x09));
  feed({7, 0, 0, 0, 1, 2, 3});
  CHECK(d.drops(DropReason::unknown_type) == 2);
  auto reserved = std::vector<uint8_t>(148, 0);
  reserved[0] = 1;
  reserved[1] = 1;
  feed(reserved);
  CHECK(d.drops(DropReason::bad_reserved) == 1);
  auto trunc = lab.a.out.sent_log[0].bytes;  // the initiation
  trunc.resize(100);
  feed(trunc);
  auto over = lab.a.out.sent_log[0].bytes;
  over.push_back(0);
  feed(over);
  feed({4, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  feed(std::vector<uint8_t>{2, 0, 0, 0, 1});
  CHECK(d.drops(DropReason::bad_length) == 4);
  // Well-formed but naming no session.
  std::vector<uint8_t> data(48, 0);
  data[0] = 4;
  data[4] = 0xde;
  feed(data);
  std::vector<uint8_t> cookie(64, 0);
  cookie[0] = 3;
  feed(cookie);
  CHECK(d.drops(DropReason::unknown_index) == 2);
  // Random garbage of every length never crashes and is always counted.
  uint64_t before = 0;
  for (uint64_t x : d.drop_counters()) before += x;
  SystemRandom rng;
  for (size_t len = 0; len < 200; ++len) {
    std::vector<uint8_t> g(len);
    rng.fill(g);
    d.on_datagram(src, g, lab.now);
  }
  uint64_t after = 0;
  for (uint64_t x : d.drop_counters()) after += x;
  CHECK(after - before == 200);
  CHECK(lab.b.out.delivered.size() == 1);
}

TEST_CASE("device: simultaneous initiations converge", "[device]") {
  Lab lab;
  const auto p = ipv4_packet(kOverlayA, kOverlayB, 90);
  const auto q = ipv4_packet(kOverlayB, kOverlayA, 90);
  lab.a.device.on_tun_packet(p, lab.now);
  lab.b.device.on_tun_packet(q, lab.now);
  lab.pump();
  // Each answered the other's initiation, which superseded its own; the
  // retransmission sorts it out within one REKEY_TIMEOUT (+ jitter).
  lab.advance(6 * kNsPerSec);
  REQUIRE(lab.b.out.delivered.size() == 1);
  REQUIRE(lab.a.out.delivered.size() == 1);
  CHECK(lab.b.out.delivered[0] == p);
  CHECK(lab.a.out.delivered[0] == q);
  lab.send_a_to_b();
  lab.send_b_to_a();
  CHECK(lab.b.out.delivered.size() == 2);
  CHECK(lab.a.out.delivered.size() == 2);
}
