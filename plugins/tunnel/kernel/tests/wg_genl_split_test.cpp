// SPDX-License-Identifier: Apache-2.0
// Large sets: 1,000 peers x 10 allowed IPs (and one peer with 3,000) encode
// into several SET_DEVICE requests, each within the buffer, and the decoder
// rebuilds exactly the device that was encoded, at several buffer sizes.
#include <linux/wireguard.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "core/nl_message.hpp"
#include "core/wg_genl.hpp"

namespace trellis::tunnel_kernel {
namespace {

// Deterministic, distinct test data (no randomness: failures reproduce).
PublicKey key_of(uint32_t i, uint8_t salt) {
  PublicKey k{};
  for (size_t b = 0; b < k.size(); ++b) k[b] = static_cast<uint8_t>((i >> (8 * (b % 4))) + b * 37 + salt);
  return k;
}

// Overlay-range prefixes only (100.64.0.0/10), half as IPv4-mapped IPv6.
IpPrefix allowed_ip(uint32_t peer, uint32_t j) {
  IpPrefix p;
  const uint32_t host = (peer * 16 + j) & 0x3fffff;  // 22 bits inside 100.64/10
  const uint8_t v4[4] = {100, static_cast<uint8_t>(64 | (host >> 16)), static_cast<uint8_t>(host >> 8),
                         static_cast<uint8_t>(host)};
  if (j % 2 == 0) {
    p.family = AF_INET;
    p.prefix_len = 32;
    std::copy(v4, v4 + 4, p.addr.begin());
  } else {
    p.family = AF_INET6;
    p.prefix_len = 128;
    p.addr[10] = p.addr[11] = 0xff;
    std::copy(v4, v4 + 4, p.addr.begin() + 12);
  }
  return p;
}

Device big_device(uint32_t peers, uint32_t ips_each) {
  Device dev;
  dev.has = Device::kIfname | Device::kPrivateKey | Device::kListenPort | Device::kFlags;
  dev.ifname = "wg-big";
  const PublicKey priv = key_of(0xffffff, 99);
  dev.private_key = SecretKey(std::span<const uint8_t, kKeyLen>(priv));
  dev.listen_port = 51820;
  dev.flags = WGDEVICE_F_REPLACE_PEERS;
  for (uint32_t i = 0; i < peers; ++i) {
    Peer p;
    p.public_key = key_of(i, 1);
    p.has = Peer::kFlags | Peer::kKeepalive;
    p.flags = WGPEER_F_REPLACE_ALLOWEDIPS;
    p.keepalive_s = static_cast<uint16_t>(i % 30);
    if (i % 3 == 0) {
      p.has |= Peer::kPresharedKey;
      const PublicKey psk = key_of(i, 2);
      p.preshared_key = SecretKey(std::span<const uint8_t, kKeyLen>(psk));
    }
    if (i % 2 == 0) {
      p.has |= Peer::kEndpoint;
      p.endpoint.family = AF_INET;
      p.endpoint.port = static_cast<uint16_t>(40000 + i);
      p.endpoint.addr = {198, 51, 100, static_cast<uint8_t>(1 + i % 250)};
    }
    for (uint32_t j = 0; j < ips_each; ++j) p.allowed_ips.push_back(allowed_ip(i, j));
    dev.peers.push_back(std::move(p));
  }
  return dev;
}

void check_round_trip(const Device &dev, size_t capacity, size_t min_messages) {
  std::vector<SecureBytes> out;
  REQUIRE(encode_set_device(dev, 0x20, capacity, out));
  CHECK(out.size() >= min_messages);
  DeviceDecoder d;
  for (size_t i = 0; i < out.size(); ++i) {
    const SecureBytes &m = out[i];
    REQUIRE(m.size() <= capacity);
    Reply r;
    REQUIRE(classify(m.span(), r));
    CHECK(r.kind == Reply::Kind::kData);
    CHECK((r.flags & (NLM_F_REQUEST | NLM_F_ACK)) == (NLM_F_REQUEST | NLM_F_ACK));
    // Device settings (and REPLACE_PEERS) only in the first request.
    DeviceDecoder alone;
    REQUIRE(alone.consume(m.span()));
    CHECK(((alone.device().has & Device::kFlags) != 0) == (i == 0));
    CHECK(alone.device().ifname == dev.ifname);
    REQUIRE(d.consume(m.span()));
  }
  CHECK(d.messages() == out.size());
  REQUIRE(d.device().peers.size() == dev.peers.size());
  CHECK(d.device() == dev);
}

TEST_CASE("1000 peers x 10 allowed IPs split and merge back identically", "[wg_genl][large]") {
  const Device dev = big_device(1000, 10);
  // About 460 bytes a peer: 4096-byte requests need 100+, 64 KiB ones 8+.
  SECTION("4096-byte requests (wireguard-tools' size)") { check_round_trip(dev, 4096, 100); }
  SECTION("1024-byte requests") { check_round_trip(dev, 1024, 400); }
  SECTION("64 KiB requests") { check_round_trip(dev, 65536, 7); }
}

TEST_CASE("one peer with 3000 allowed IPs continues across requests", "[wg_genl][large]") {
  Device dev = big_device(3, 4);
  for (uint32_t j = 0; j < 3000; ++j) dev.peers[1].allowed_ips.push_back(allowed_ip(7000 + j, j));
  std::vector<SecureBytes> out;
  REQUIRE(encode_set_device(dev, 0x20, 4096, out));
  CHECK(out.size() >= 20);
  check_round_trip(dev, 4096, 20);
  check_round_trip(dev, 600, 100);
}

TEST_CASE("a device without peers is one request", "[wg_genl]") {
  Device dev = big_device(0, 0);
  std::vector<SecureBytes> out;
  REQUIRE(encode_set_device(dev, 0x20, 4096, out));
  REQUIRE(out.size() == 1);
  DeviceDecoder d;
  REQUIRE(d.consume(out[0].span()));
  CHECK(d.device() == dev);
}

}  // namespace
}  // namespace trellis::tunnel_kernel
