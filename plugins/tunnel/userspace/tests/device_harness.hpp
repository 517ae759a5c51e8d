// SPDX-License-Identifier: Apache-2.0
// Two Device cores wired in memory under a fake clock. Each node records what
// its device sends, delivers and reports; `pump` carries datagrams between
// them (through an optional filter that may drop, capture or re-source them)
// until the network is quiet, and `advance` moves the clock forward firing
// timers at their deadlines. Overlay addresses: A 100.64.0.1, B 100.64.0.2;
// underlay: A 203.0.113.1:51820, B 203.0.113.2:51820.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/device.hpp"
#include "test_util.hpp"

namespace trellis::wg::test {

struct Sent {
  Endpoint to;
  std::vector<uint8_t> bytes;
};

class Recorder final : public Output {
 public:
  void send(const Endpoint &to, std::span<const uint8_t> d) override { outbox.push_back({to, {d.begin(), d.end()}}); }
  void deliver(std::span<const uint8_t> p) override { delivered.emplace_back(p.begin(), p.end()); }
  void on_event(const Event &e) override { events.push_back(e); }

  size_t count_events(Event::Type t) const {
    size_t n = 0;
    for (const auto &e : events) n += e.type == t ? 1 : 0;
    return n;
  }

  std::vector<Sent> outbox;  // not yet carried by pump
  std::vector<Sent> sent_log;  // everything ever sent
  std::vector<std::vector<uint8_t>> delivered;
  std::vector<Event> events;
};

inline std::vector<uint8_t> ipv4_packet(std::array<uint8_t, 4> src, std::array<uint8_t, 4> dst, size_t total_len,
                                        uint8_t fill = 0x5a) {
  std::vector<uint8_t> p(total_len, fill);
  p[0] = 0x45;
  p[1] = 0;
  p[2] = static_cast<uint8_t>(total_len >> 8);
  p[3] = static_cast<uint8_t>(total_len);
  p[8] = 64;
  p[9] = 17;
  std::copy(src.begin(), src.end(), p.begin() + 12);
  std::copy(dst.begin(), dst.end(), p.begin() + 16);
  return p;
}

inline constexpr std::array<uint8_t, 4> kOverlayA{100, 64, 0, 1};
inline constexpr std::array<uint8_t, 4> kOverlayB{100, 64, 0, 2};

struct Node {
  Node(const char *name, uint8_t key_seed, Endpoint addr, const DeviceConfig &cfg)
      : name(name), addr(addr), device(cfg, out, wall, rng) {
    std::array<uint8_t, 32> k{};
    for (size_t i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(key_seed + i * 3);
    priv = SecretKey(std::span<const uint8_t, 32>(k));
    REQUIRE(device.set_private_key(priv));
    pub = device.public_key();
  }
  const char *name;
  Endpoint addr;
  SystemRandom rng;
  FakeWallClock wall;
  Recorder out;
  Device device;
  SecretKey priv;
  PublicKey pub{};
};

// What the filter decides for one datagram in flight.
enum class Fate { deliver, drop };
using Filter = std::function<Fate(const Node &from, const Node &to, Sent &dgram, Endpoint &source)>;

class Lab {
 public:
  explicit Lab(DeviceConfig cfg = {}, bool psk = false)
      : a("A", 0x11, Endpoint::udp4({203, 0, 113, 1}, 51820), cfg),
        b("B", 0x77, Endpoint::udp4({203, 0, 113, 2}, 51820), cfg) {
    PeerConfig pb;
    pb.public_key = b.pub;
    pb.endpoint = b.addr;
    pb.allowed_ips = {*IpPrefix::parse("100.64.0.2/32")};
    PeerConfig pa;
    pa.public_key = a.pub;
    pa.endpoint = a.addr;
    pa.allowed_ips = {*IpPrefix::parse("100.64.0.1/32")};
    if (psk) {
      pa.preshared_key = secret("5050505050505050505050505050505050505050505050505050505050505050");
      pb.preshared_key = pa.preshared_key;
    }
    REQUIRE(a.device.upsert_peer(pb, now) != nullptr);
    REQUIRE(b.device.upsert_peer(pa, now) != nullptr);
  }

  Peer &peer_of_a() { return *a.device.find_peer(b.pub); }  // A's view of B
  Peer &peer_of_b() { return *b.device.find_peer(a.pub); }  // B's view of A

  // Carry datagrams until both outboxes stay empty (bounded).
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      if (a.out.outbox.empty() && b.out.outbox.empty()) return;
      carry(a, b);
      carry(b, a);
    }
    FAIL("network did not go quiet");
  }

  // Move the clock to now + dt, firing timers (and pumping) on the way.
  void advance(uint64_t dt) {
    const uint64_t target = now + dt;
    for (int step = 0; step < 100000; ++step) {
      const uint64_t next = std::min(a.device.next_deadline(), b.device.next_deadline());
      if (next > target) break;
      set_now(std::max(now, next));
      a.device.on_timer(now);
      b.device.on_timer(now);
      pump();
    }
    set_now(target);
    a.device.on_timer(now);
    b.device.on_timer(now);
    pump();
  }

  void set_now(uint64_t t) {
    a.wall.now += static_cast<int64_t>(t - now);
    b.wall.now += static_cast<int64_t>(t - now);
    now = t;
  }

  // A sends one overlay packet to B (or B to A) and the network settles.
  std::vector<uint8_t> send_a_to_b(size_t len = 100, uint8_t fill = 0x5a) {
    auto p = ipv4_packet(kOverlayA, kOverlayB, len, fill);
    a.device.on_tun_packet(p, now);
    pump();
    return p;
  }
  std::vector<uint8_t> send_b_to_a(size_t len = 100, uint8_t fill = 0xa5) {
    auto p = ipv4_packet(kOverlayB, kOverlayA, len, fill);
    b.device.on_tun_packet(p, now);
    pump();
    return p;
  }

  // Datagrams from `from` matching a message type, from the whole log.
  static size_t count_sent(const Node &from, MessageType type, size_t min_len = 0) {
    size_t n = 0;
    for (const auto &s : from.out.sent_log) {
      n += (!s.bytes.empty() && s.bytes[0] == static_cast<uint8_t>(type) && s.bytes.size() >= min_len) ? 1 : 0;
    }
    return n;
  }

  Filter filter;
  uint64_t now = 1000 * kNsPerSec;
  Node a;
  Node b;

 private:
  void carry(Node &from, Node &to) {
    std::vector<Sent> batch;
    batch.swap(from.out.outbox);
    for (auto &s : batch) {
      from.out.sent_log.push_back(s);
      Endpoint source = from.addr;
      if (filter && filter(from, to, s, source) == Fate::drop) continue;
      if (s.to != to.addr) continue;  // addressed elsewhere: lost
      to.device.on_datagram(source, s.bytes, now);
    }
  }
};

}  // namespace trellis::wg::test
