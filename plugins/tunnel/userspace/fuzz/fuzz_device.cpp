// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: a Device with one configured peer receives arbitrary
// bytes (the first input byte picks: datagram, datagram under load, TUN
// packet, or a timer tick). Nothing may crash, leak or read out of bounds, and
// no datagram may be counted as more than one drop.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "core/device.hpp"

using namespace trellis::wg;

namespace {

class NullOutput final : public Output {
 public:
  void send(const Endpoint &, std::span<const uint8_t>) override {}
  void deliver(std::span<const uint8_t> p) override {
    if (p.empty()) std::abort();
  }
  void on_event(const Event &) override {}
};

class Wall final : public WallClock {
 public:
  int64_t unix_ns() const override { return 1'700'000'000'000'000'000LL; }
};

// Deterministic, so crashes reproduce.
class CounterRandom final : public RandomSource {
 public:
  void fill(std::span<uint8_t> out) override {
    for (auto &b : out) b = static_cast<uint8_t>((n_ = n_ * 6364136223846793005ULL + 1442695040888963407ULL) >> 56);
  }

 private:
  uint64_t n_ = 42;
};

struct World {
  NullOutput out;
  Wall wall;
  CounterRandom rng;
  Device dev{DeviceConfig{}, out, wall, rng};
  World() {
    SecretKey k;
    for (size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<uint8_t>(i + 1);
    if (!dev.set_private_key(k)) std::abort();
    PeerConfig pc;
    for (size_t i = 0; i < pc.public_key.size(); ++i) pc.public_key[i] = static_cast<uint8_t>(0x40 + i);
    pc.endpoint = Endpoint::udp4({203, 0, 113, 2}, 51820);
    pc.allowed_ips = {*IpPrefix::parse("100.64.0.0/10")};
    dev.upsert_peer(pc, 1);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static World w;
  static uint64_t now = 1'000'000'000'000ULL;
  if (size == 0) return 0;
  now += 1'000'000;
  const std::span<const uint8_t> body(data + 1, size - 1);
  const Endpoint src = Endpoint::udp4({198, 51, 100, static_cast<uint8_t>(data[0])}, 40000);
  switch (data[0] & 3) {
    case 0:
    case 1: {
      w.dev.set_handshake_backlog((data[0] & 1) ? kUnderLoadBacklog : 0, now);
      uint64_t before = 0, after = 0;
      for (uint64_t x : w.dev.drop_counters()) before += x;
      w.dev.on_datagram(src, body, now);
      for (uint64_t x : w.dev.drop_counters()) after += x;
      if (after > before + 1) std::abort();  // one outcome per datagram
      break;
    }
    case 2:
      w.dev.on_tun_packet(body, now);
      break;
    case 3:
      now += static_cast<uint64_t>(body.empty() ? 0 : body[0]) * 1'000'000'000ULL;
      w.dev.on_timer(now);
      break;
  }
  return 0;
}
