// SPDX-License-Identifier: Apache-2.0
// PeerWatch under a fake clock: handshake, roaming and stale events from a
// sequence of driver snapshots, and the state after each.
#include <catch2/catch.hpp>

#include "core/filetime.hpp"
#include "core/peer_watch.hpp"

using namespace trellis::wgnt;
using State = PeerWatch::State;

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kWallStart = 1'700'000'000 * kSecond;

struct Clock {
  uint64_t mono = 5 * kSecond;
  int64_t wall = kWallStart;
  void advance(int64_t s) {
    mono += static_cast<uint64_t>(s * kSecond);
    wall += s * kSecond;
  }
  uint64_t filetime_now() const { return unix_ns_to_filetime(wall); }
};

PeerState peer(uint8_t id) {
  PeerState p;
  p.public_key[0] = id;
  return p;
}

Endpoint ep(uint8_t last, uint16_t port) {
  Endpoint e;
  e.family = 4;
  e.port = port;
  e.addr = {198, 51, 100, last};
  return e;
}

}  // namespace

TEST_CASE("peer_watch: a handshake is reported once, then the session expires to idle", "[watch]") {
  PeerWatch w;
  Clock c;
  PeerState p = peer(1);
  auto ev = w.on_snapshot({p}, c.wall, c.mono);
  CHECK(ev.empty());
  CHECK(w.state(p.public_key) == State::kIdle);

  c.advance(1);
  p.last_handshake_filetime = c.filetime_now();
  p.tx_bytes = 148;
  p.rx_bytes = 92;
  ev = w.on_snapshot({p}, c.wall, c.mono);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == TRELLIS_TUNNEL_EV_HANDSHAKE);
  CHECK(ev[0].public_key == p.public_key);
  CHECK(w.state(p.public_key) == State::kEstablished);

  c.advance(1);
  CHECK(w.on_snapshot({p}, c.wall, c.mono).empty());  // same handshake: nothing new

  c.advance(180);
  CHECK(w.on_snapshot({p}, c.wall, c.mono).empty());
  CHECK(w.state(p.public_key) == State::kIdle);  // expired, nothing sent
}

TEST_CASE("peer_watch: failing handshakes become stale after 15 s, once", "[watch]") {
  PeerWatch w;
  Clock c;
  PeerState p = peer(2);
  w.on_snapshot({p}, c.wall, c.mono);
  int stale = 0;
  for (int s = 1; s <= 40; ++s) {
    c.advance(1);
    if (s % 5 == 0) p.tx_bytes += 148;  // an initiation every REKEY_TIMEOUT
    for (const auto &e : w.on_snapshot({p}, c.wall, c.mono)) {
      REQUIRE(e.type == TRELLIS_TUNNEL_EV_PEER_STALE);
      ++stale;
      CHECK(s == 20);  // connecting from s=5, stale 15 s later
    }
    if (s < 5) CHECK(w.state(p.public_key) == State::kIdle);
    if (s >= 5 && s < 20) CHECK(w.state(p.public_key) == State::kConnecting);
    if (s >= 20) CHECK(w.state(p.public_key) == State::kStale);
  }
  CHECK(stale == 1);

  // The handshake finally succeeds.
  c.advance(1);
  p.last_handshake_filetime = c.filetime_now();
  auto ev = w.on_snapshot({p}, c.wall, c.mono);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == TRELLIS_TUNNEL_EV_HANDSHAKE);
  CHECK(w.state(p.public_key) == State::kEstablished);
}

TEST_CASE("peer_watch: a peer that stops sending goes back to idle without an event", "[watch]") {
  PeerWatch w;
  Clock c;
  PeerState p = peer(3);
  w.on_snapshot({p}, c.wall, c.mono);
  c.advance(1);
  p.tx_bytes = 148;
  w.on_snapshot({p}, c.wall, c.mono);
  CHECK(w.state(p.public_key) == State::kConnecting);
  for (int s = 0; s < 30; ++s) {
    c.advance(1);
    CHECK(w.on_snapshot({p}, c.wall, c.mono).empty());
  }
  CHECK(w.state(p.public_key) == State::kIdle);
}

TEST_CASE("peer_watch: roaming is reported, endpoints the host set are not", "[watch]") {
  PeerWatch w;
  Clock c;
  PeerState p = peer(4);
  p.endpoint = ep(1, 51820);
  CHECK(w.on_snapshot({p}, c.wall, c.mono).empty());  // first sight is the baseline

  w.on_endpoint_set(p.public_key, ep(2, 51820));
  p.endpoint = ep(2, 51820);
  c.advance(1);
  CHECK(w.on_snapshot({p}, c.wall, c.mono).empty());

  p.endpoint = ep(2, 40000);  // NAT rebinding: new port
  c.advance(1);
  auto ev = w.on_snapshot({p}, c.wall, c.mono);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == TRELLIS_TUNNEL_EV_ENDPOINT_CHANGED);
  REQUIRE(ev[0].endpoint);
  CHECK(ev[0].endpoint->port == 40000);
}

TEST_CASE("peer_watch: removed peers are forgotten, a handshake on first sight is reported",
          "[watch]") {
  PeerWatch w;
  Clock c;
  PeerState a = peer(5), b = peer(6);
  b.last_handshake_filetime = c.filetime_now();
  auto ev = w.on_snapshot({a, b}, c.wall, c.mono);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].public_key == b.public_key);
  CHECK(w.state(b.public_key) == State::kEstablished);

  w.on_peer_removed(b.public_key);
  CHECK_FALSE(w.state(b.public_key));
  c.advance(1);
  w.on_snapshot({a}, c.wall, c.mono);
  CHECK(w.state(a.public_key) == State::kIdle);
  CHECK_FALSE(w.state(b.public_key));
  w.reset();
  CHECK_FALSE(w.state(a.public_key));
}

TEST_CASE("peer_watch: a clock set back keeps the session valid", "[watch]") {
  PeerWatch w;
  Clock c;
  PeerState p = peer(7);
  p.last_handshake_filetime = c.filetime_now();
  w.on_snapshot({p}, c.wall, c.mono);
  c.wall -= 3600 * kSecond;
  c.mono += kSecond;
  w.on_snapshot({p}, c.wall, c.mono);
  CHECK(w.state(p.public_key) == State::kEstablished);
}
