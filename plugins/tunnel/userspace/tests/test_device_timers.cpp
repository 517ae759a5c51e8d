// SPDX-License-Identifier: Apache-2.0
// Device timers under a fake clock: rekey by time, session expiry, handshake
// retransmission with jitter and giving up, key zeroing, persistent and
// passive keepalives, and the "sent but heard nothing" new handshake.
#include <catch2/catch.hpp>

#include <set>

#include "device_harness.hpp"

using namespace trellis::wg;
using namespace trellis::wg::test;

TEST_CASE("timers: the initiator rekeys after REKEY_AFTER_TIME", "[device][timers]") {
  Lab lab;
  lab.send_a_to_b();
  const uint32_t first = lab.peer_of_a().current_keypair()->local_index();
  // Keep the session busy both ways (so no other timer acts) until 119 s.
  for (int i = 0; i < 11; ++i) {
    lab.advance(10 * kNsPerSec);
    lab.send_a_to_b();
    lab.send_b_to_a();
  }
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 1);
  lab.advance(10 * kNsPerSec);  // 120 s
  lab.send_a_to_b();  // sent on the old key, then the rekey starts
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 2);
  CHECK(lab.peer_of_a().current_keypair()->local_index() != first);
  lab.send_a_to_b();
  lab.send_b_to_a();
  CHECK(lab.b.out.delivered.size() == 14);
  // The responder side never rekeys by time.
  CHECK(Lab::count_sent(lab.b, MessageType::initiation) == 0);
}

TEST_CASE("timers: a session expires after REJECT_AFTER_TIME", "[device][timers]") {
  Lab lab;
  lab.send_a_to_b();
  // B -> A data sealed at 179 s is refused if it arrives after 180 s.
  std::vector<uint8_t> late;
  lab.filter = [&](const Node &from, const Node &, Sent &s, Endpoint &) {
    if (&from == &lab.b && s.bytes[0] == 4 && s.bytes.size() > 32) {
      late = s.bytes;
      return Fate::drop;
    }
    return Fate::drop;  // the network is down meanwhile
  };
  lab.advance(179 * kNsPerSec);
  lab.send_b_to_a();
  REQUIRE(late.size() > 32);
  lab.filter = nullptr;
  lab.set_now(lab.now + 2 * kNsPerSec);
  lab.a.device.on_datagram(lab.b.addr, late, lab.now);
  CHECK(lab.a.device.drops(DropReason::session_expired) == 1);
  CHECK(lab.a.out.delivered.empty());
  // Sending now needs a new handshake rather than the dead session.
  const size_t before = Lab::count_sent(lab.a, MessageType::initiation);
  lab.send_a_to_b();
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == before + 1);
  CHECK(lab.b.out.delivered.size() == 2);
}

TEST_CASE("timers: retransmissions with jitter, then give up after REKEY_ATTEMPT_TIME", "[device][timers]") {
  Lab lab;
  std::vector<uint64_t> sent_at;
  lab.filter = [&](const Node &from, const Node &, Sent &s, Endpoint &) {
    if (&from == &lab.a && s.bytes[0] == 1) sent_at.push_back(lab.now);
    return Fate::drop;  // B is unreachable
  };
  const uint64_t start = lab.now;
  lab.a.device.on_tun_packet(ipv4_packet(kOverlayA, kOverlayB, 100), lab.now);
  lab.pump();
  lab.advance(200 * kNsPerSec);
  // One initiation plus one retry per REKEY_TIMEOUT while attempts <= 90/5:
  // 1 + 19 in all, as Linux and wireguard-go do.
  REQUIRE(sent_at.size() == 20);
  std::set<uint64_t> gaps;
  for (size_t i = 1; i < sent_at.size(); ++i) {
    const uint64_t gap = sent_at[i] - sent_at[i - 1];
    CHECK(gap >= kRekeyTimeout);
    CHECK(gap < kRekeyTimeout + kRekeyTimeoutJitterMax);
    gaps.insert(gap);
  }
  CHECK(gaps.size() > 10);  // jitter really varies
  CHECK(sent_at.back() - start <= 19 * (kRekeyTimeout + kRekeyTimeoutJitterMax));
  CHECK(lab.a.out.count_events(Event::Type::peer_stale) == 1);
  CHECK(lab.peer_of_a().staged_packets() == 0);  // dropped on giving up
  CHECK(lab.peer_of_a().stats().tx_dropped == 1);
  CHECK(lab.peer_of_a().timers().armed(TimerKind::zero_key_material));
  CHECK_FALSE(lab.peer_of_a().timers().armed(TimerKind::retransmit_handshake));

  // New data starts a fresh round, which succeeds once B is back.
  lab.filter = nullptr;
  lab.send_a_to_b();
  CHECK(lab.b.out.delivered.size() == 1);
}

TEST_CASE("timers: key material is zeroed after 3 * REJECT_AFTER_TIME", "[device][timers]") {
  Lab lab;
  lab.send_a_to_b();
  lab.send_b_to_a();
  REQUIRE(lab.a.device.index_count() == 1);
  lab.filter = [](const Node &, const Node &, Sent &, Endpoint &) { return Fate::drop; };
  lab.advance(539 * kNsPerSec);
  // The new_handshake timer tried a handshake meanwhile; its index is live.
  CHECK(lab.peer_of_a().current_keypair());
  lab.advance(2 * kNsPerSec);
  CHECK_FALSE(lab.peer_of_a().current_keypair());
  CHECK_FALSE(lab.peer_of_a().previous_keypair());
  CHECK_FALSE(lab.peer_of_a().next_keypair());
  CHECK(lab.peer_of_a().handshake_state() == HandshakeState::zeroed);
  CHECK_FALSE(lab.peer_of_b().current_keypair());
  CHECK(lab.b.device.index_count() == 0);
  CHECK(lab.a.device.index_count() == 0);
  CHECK(lab.a.device.next_deadline() == PeerTimers::kDisarmed);
}

TEST_CASE("timers: no reply to sent data starts a new handshake", "[device][timers]") {
  Lab lab;
  lab.send_a_to_b();
  lab.send_b_to_a();
  // From now on B hears A but A hears nothing.
  lab.filter = [&](const Node &from, const Node &, Sent &, Endpoint &) {
    return &from == &lab.b ? Fate::drop : Fate::deliver;
  };
  lab.advance(20 * kNsPerSec);  // let earlier keepalive timers settle
  const size_t before = Lab::count_sent(lab.a, MessageType::initiation);
  const uint64_t t0 = lab.now;
  lab.send_a_to_b();
  uint64_t first_init = 0;
  for (int i = 0; i < 200 && first_init == 0; ++i) {
    lab.advance(100 * kNsPerMs);
    if (Lab::count_sent(lab.a, MessageType::initiation) > before) first_init = lab.now;
  }
  REQUIRE(first_init != 0);
  // KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after the data.
  CHECK(first_init - t0 >= 15 * kNsPerSec);
  CHECK(first_init - t0 <= 15 * kNsPerSec + kRekeyTimeoutJitterMax + 100 * kNsPerMs);
}

TEST_CASE("timers: persistent keepalive", "[device][timers]") {
  Lab lab;
  PeerConfig pc;
  pc.public_key = lab.b.pub;
  pc.persistent_keepalive_s = 25;
  lab.a.device.upsert_peer(pc, lab.now);
  lab.pump();
  // Turning it on sent a keepalive at once, which needed a handshake.
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 1);
  auto keepalives = [&] {
    size_t n = 0;
    for (const auto &s : lab.a.out.sent_log) n += (s.bytes[0] == 4 && s.bytes.size() == 32) ? 1 : 0;
    return n;
  };
  const size_t k0 = keepalives();
  CHECK(k0 >= 1);
  lab.advance(24 * kNsPerSec);
  CHECK(keepalives() == k0);
  lab.advance(2 * kNsPerSec);
  CHECK(keepalives() == k0 + 1);
  lab.advance(25 * kNsPerSec);
  CHECK(keepalives() == k0 + 2);
  // Turning it off stops them.
  pc.persistent_keepalive_s = 0;
  lab.a.device.upsert_peer(pc, lab.now);
  lab.advance(100 * kNsPerSec);
  CHECK(keepalives() == k0 + 2);
  CHECK(lab.a.out.delivered.empty());
  CHECK(lab.b.out.delivered.empty());
}

TEST_CASE("timers: next_deadline follows the armed timers", "[device][timers]") {
  Lab lab;
  CHECK(lab.a.device.next_deadline() == PeerTimers::kDisarmed);
  lab.filter = [](const Node &, const Node &, Sent &, Endpoint &) { return Fate::drop; };
  lab.a.device.on_tun_packet(ipv4_packet(kOverlayA, kOverlayB, 100), lab.now);
  const uint64_t d = lab.a.device.next_deadline();
  CHECK(d >= lab.now + kRekeyTimeout);
  CHECK(d < lab.now + kRekeyTimeout + kRekeyTimeoutJitterMax);
  lab.a.device.on_timer(d - 1);
  lab.pump();
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 1);
  lab.set_now(d);
  lab.a.device.on_timer(d);
  lab.pump();
  CHECK(Lab::count_sent(lab.a, MessageType::initiation) == 2);
}
