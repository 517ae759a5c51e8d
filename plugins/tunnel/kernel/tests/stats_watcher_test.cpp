// SPDX-License-Identifier: Apache-2.0
// Events from statistics samples under a fake clock: handshakes, roaming
// (but not our own endpoint changes), stale peers after failing handshakes,
// recovery, removal and device loss.
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "core/stats_watcher.hpp"

namespace trellis::tunnel_kernel {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1'800'000'000 * kS;  // a fixed wall clock

using Type = TunnelEvent::Type;

Endpoint ep(uint8_t last, uint16_t port) {
  Endpoint e;
  e.family = AF_INET;
  e.port = port;
  e.addr = {198, 51, 100, last};
  return e;
}

struct Fixture {
  StatsWatcher w;
  PeerSample peer;
  std::vector<TunnelEvent> events;

  Fixture() { peer.public_key[0] = 0xaa; }
  std::vector<Type> at(int64_t now) {
    events.clear();
    w.on_sample(std::span<const PeerSample>(&peer, 1), now, events);
    std::vector<Type> types;
    for (const auto &e : events) types.push_back(e.type);
    return types;
  }
};

TEST_CASE("a handshake is reported once, when it moves forward", "[watcher]") {
  Fixture f;
  f.peer.endpoint = ep(2, 51821);
  CHECK(f.at(kT0).empty());
  f.peer.last_handshake_unix_ns = kT0 + 1 * kS;
  CHECK(f.at(kT0 + 2 * kS) == std::vector<Type>{Type::kHandshake});
  CHECK(f.events[0].public_key == f.peer.public_key);
  CHECK(f.events[0].endpoint == ep(2, 51821));
  CHECK(f.at(kT0 + 3 * kS).empty());
  f.peer.last_handshake_unix_ns = kT0 + 120 * kS;  // rekey
  CHECK(f.at(kT0 + 121 * kS) == std::vector<Type>{Type::kHandshake});
}

TEST_CASE("roaming is reported; endpoints we set are not", "[watcher]") {
  Fixture f;
  f.w.on_endpoint_configured(f.peer.public_key, ep(2, 51821));
  f.peer.endpoint = ep(2, 51821);
  CHECK(f.at(kT0).empty());
  f.peer.endpoint = ep(9, 40000);  // the peer moved
  CHECK(f.at(kT0 + kS) == std::vector<Type>{Type::kEndpointChanged});
  CHECK(f.events[0].endpoint == ep(9, 40000));
  f.w.on_endpoint_configured(f.peer.public_key, ep(3, 51821));  // we moved it
  f.peer.endpoint = ep(3, 51821);
  CHECK(f.at(kT0 + 2 * kS).empty());
}

TEST_CASE("a configured endpoint the kernel already replaced counts as roaming", "[watcher]") {
  Fixture f;
  f.w.on_endpoint_configured(f.peer.public_key, ep(2, 51821));
  f.peer.endpoint = ep(7, 51821);
  CHECK(f.at(kT0) == std::vector<Type>{Type::kEndpointChanged});
}

TEST_CASE("failing handshakes make a peer stale once, a handshake re-arms it", "[watcher]") {
  Fixture f;
  CHECK(f.at(kT0).empty());
  // Initiations go out every 5 s (tx grows), nothing comes back.
  int64_t t = kT0;
  std::vector<Type> seen;
  for (int i = 1; i <= 6; ++i) {
    t = kT0 + i * 5 * kS;
    f.peer.tx_bytes += 148;
    for (Type e : f.at(t)) seen.push_back(e);
    if (i < 4) CHECK(seen.empty());  // 15 s not yet passed since trying began at 5 s
  }
  CHECK(seen == std::vector<Type>{Type::kPeerStale});

  // It recovers: handshake, then no further stale while the session is fresh.
  f.peer.last_handshake_unix_ns = t + kS;
  f.peer.tx_bytes += 1000;
  CHECK(f.at(t + 2 * kS) == std::vector<Type>{Type::kHandshake});
  for (int i = 1; i <= 10; ++i) {
    f.peer.tx_bytes += 1000;
    CHECK(f.at(t + 2 * kS + i * 5 * kS).empty());
  }
  // 180 s after the handshake the session is dead; failing again -> stale again.
  const int64_t dead = f.peer.last_handshake_unix_ns + StatsWatcher::kRejectAfterNs;
  std::vector<Type> later;
  for (int i = 0; i <= 5; ++i) {
    f.peer.tx_bytes += 148;
    for (Type e : f.at(dead + i * 5 * kS)) later.push_back(e);
  }
  CHECK(later == std::vector<Type>{Type::kPeerStale});
}

TEST_CASE("sporadic sends with pauses longer than kStaleAfter never go stale", "[watcher]") {
  Fixture f;
  CHECK(f.at(kT0).empty());
  // Sampled every second; one handshake initiation every 20 s, each given up.
  for (int i = 1; i <= 100; ++i) {
    if (i % 20 == 0) f.peer.tx_bytes += 148;
    CHECK(f.at(kT0 + i * kS).empty());
  }
}

TEST_CASE("removed peers are forgotten; device loss is reported once", "[watcher]") {
  Fixture f;
  f.peer.last_handshake_unix_ns = kT0;
  CHECK(f.at(kT0 + kS) == std::vector<Type>{Type::kHandshake});
  f.w.on_peer_removed(f.peer.public_key);
  // Re-added with the same history: its existing handshake is news again.
  CHECK(f.at(kT0 + 2 * kS) == std::vector<Type>{Type::kHandshake});

  std::vector<TunnelEvent> ev;
  f.w.on_device_gone(ev);
  f.w.on_device_gone(ev);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == Type::kDown);
  f.w.reset();
  f.w.on_device_gone(ev);
  CHECK(ev.size() == 2);
}

TEST_CASE("peers missing from a sample are dropped", "[watcher]") {
  Fixture f;
  f.peer.last_handshake_unix_ns = kT0;
  CHECK(f.at(kT0 + kS).size() == 1);
  std::vector<TunnelEvent> ev;
  f.w.on_sample({}, kT0 + 2 * kS, ev);
  CHECK(ev.empty());
  CHECK(f.at(kT0 + 3 * kS) == std::vector<Type>{Type::kHandshake});
}

}  // namespace
}  // namespace trellis::tunnel_kernel
