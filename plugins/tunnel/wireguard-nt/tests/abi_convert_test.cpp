// SPDX-License-Identifier: Apache-2.0
// Trellis tunnel ABI structs to the model and back: flag mapping, validation,
// canonical allowed IPs, older (smaller) structs from the host, and stats
// written with the caller's stride.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include <trellis/plugin.hpp>

#include "core/abi_convert.hpp"
#include "core/filetime.hpp"

using namespace trellis::wgnt;
using trellis::sdk::sized;

namespace {

trellis_ip_prefix abi_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
  trellis_ip_prefix p;
  std::memset(&p, 0, sizeof p);
  p.family = 4;
  p.prefix_len = len;
  p.addr[0] = a, p.addr[1] = b, p.addr[2] = c, p.addr[3] = d;
  return p;
}

template <typename F>
trellis_status status_of(F &&f) {
  try {
    f();
  } catch (const trellis::sdk::Error &e) {
    return e.status();
  }
  return TRELLIS_OK;
}

}  // namespace

TEST_CASE("interface_from_abi: flags select fields", "[abi]") {
  auto s = sized<trellis_tunnel_interface>();
  for (int i = 0; i < 32; ++i) s.private_key[i] = static_cast<uint8_t>(i + 1);
  s.listen_port = 51820;
  s.mtu = 1420;
  trellis_ip_prefix addrs[] = {abi_v4(100, 64, 0, 5, 10)};
  s.addresses = addrs;
  s.address_count = 1;

  InterfaceSettings none = interface_from_abi(&s);  // no flags: nothing set
  CHECK_FALSE(none.wg.private_key);
  CHECK_FALSE(none.wg.listen_port);
  CHECK_FALSE(none.mtu);
  CHECK_FALSE(none.addresses);

  s.flags = TRELLIS_IF_HAS_PRIVATE_KEY | TRELLIS_IF_HAS_LISTEN_PORT | TRELLIS_IF_HAS_MTU |
            TRELLIS_IF_HAS_ADDRESSES | TRELLIS_IF_HAS_FWMARK;
  InterfaceSettings all = interface_from_abi(&s);
  REQUIRE(all.wg.private_key);
  CHECK(std::memcmp(all.wg.private_key->data(), s.private_key, 32) == 0);
  CHECK(all.wg.listen_port == 51820);
  CHECK(all.mtu == 1420u);
  REQUIRE(all.addresses);
  REQUIRE(all.addresses->size() == 1);
  CHECK((*all.addresses)[0].addr[3] == 5);  // an address keeps its host part
  CHECK((*all.addresses)[0].prefix_len == 10);
  CHECK_FALSE(all.wg.replace_peers);
}

TEST_CASE("interface_from_abi: what wireguard-nt cannot do is refused", "[abi]") {
  auto s = sized<trellis_tunnel_interface>();
  s.flags = TRELLIS_IF_HAS_FWMARK;
  s.fwmark = 51820;
  CHECK(status_of([&] { interface_from_abi(&s); }) == TRELLIS_E_UNSUPPORTED);
  s.flags = TRELLIS_IF_HAS_MTU;
  s.mtu = 575;
  CHECK(status_of([&] { interface_from_abi(&s); }) == TRELLIS_E_INVALID);
  s.mtu = 65536;
  CHECK(status_of([&] { interface_from_abi(&s); }) == TRELLIS_E_INVALID);
  s.mtu = 576;
  CHECK(status_of([&] { interface_from_abi(&s); }) == TRELLIS_OK);
  s.flags = 1u << 20;
  CHECK(status_of([&] { interface_from_abi(&s); }) == TRELLIS_E_UNSUPPORTED);
  s.flags = TRELLIS_IF_HAS_ADDRESSES;
  s.address_count = 2;
  s.addresses = nullptr;
  CHECK(status_of([&] { interface_from_abi(&s); }) == TRELLIS_E_INVALID);
  CHECK(status_of([&] { interface_from_abi(nullptr); }) == TRELLIS_E_INVALID);
}

TEST_CASE("interface_from_abi: an older host's shorter struct reads as zeros", "[abi]") {
  auto s = sized<trellis_tunnel_interface>();
  s.flags = TRELLIS_IF_HAS_ADDRESSES | TRELLIS_IF_HAS_FWMARK;
  s.fwmark = 7;  // past the old size: must not be seen
  trellis_ip_prefix addrs[] = {abi_v4(100, 64, 0, 5, 10)};
  s.addresses = addrs;
  s.address_count = 1;
  s.struct_size = offsetof(trellis_tunnel_interface, fwmark);
  InterfaceSettings out = interface_from_abi(&s);
  REQUIRE(out.addresses);
  CHECK(out.addresses->empty());
}

TEST_CASE("peer_from_abi: flags, canonical allowed IPs, endpoint", "[abi]") {
  auto s = sized<trellis_tunnel_peer>();
  for (int i = 0; i < 32; ++i) s.public_key[i] = static_cast<uint8_t>(0x80 + i);
  for (int i = 0; i < 32; ++i) s.preshared_key[i] = static_cast<uint8_t>(0x20 + i);
  s.endpoint.family = 4;
  s.endpoint.port = 51820;
  s.endpoint.addr[0] = 203, s.endpoint.addr[2] = 113, s.endpoint.addr[3] = 1;
  s.persistent_keepalive_s = 25;
  trellis_ip_prefix ips[] = {abi_v4(100, 64, 7, 77, 10), abi_v4(198, 18, 3, 4, 32)};
  s.allowed_ips = ips;
  s.allowed_ip_count = 2;

  PeerUpdate bare = peer_from_abi(&s);
  CHECK(bare.public_key[0] == 0x80);
  CHECK_FALSE(bare.preshared_key);
  CHECK_FALSE(bare.endpoint);
  CHECK_FALSE(bare.persistent_keepalive_s);
  CHECK_FALSE(bare.replace_allowed_ips);
  REQUIRE(bare.allowed_ips.size() == 2);
  CHECK(bare.allowed_ips[0].prefix.addr == std::array<uint8_t, 16>{100, 64});  // host bits cleared
  CHECK(bare.allowed_ips[1].prefix.addr[3] == 4);
  CHECK_FALSE(bare.allowed_ips[0].remove);

  s.flags = TRELLIS_PEER_HAS_PRESHARED_KEY | TRELLIS_PEER_HAS_ENDPOINT | TRELLIS_PEER_HAS_KEEPALIVE |
            TRELLIS_PEER_REPLACE_ALLOWED_IPS;
  PeerUpdate full = peer_from_abi(&s);
  REQUIRE(full.preshared_key);
  CHECK(full.preshared_key->data()[0] == 0x20);
  REQUIRE(full.endpoint);
  CHECK(full.endpoint->port == 51820);
  CHECK(full.endpoint->addr[0] == 203);
  CHECK(full.persistent_keepalive_s == 25);
  CHECK(full.replace_allowed_ips);

  s.endpoint.family = 0;  // "none": leave the driver's endpoint alone
  CHECK_FALSE(peer_from_abi(&s).endpoint);
}

TEST_CASE("peer_from_abi: invalid input is refused", "[abi]") {
  auto s = sized<trellis_tunnel_peer>();
  s.flags = TRELLIS_PEER_HAS_ENDPOINT;
  s.endpoint.family = 4;
  s.endpoint.port = 0;
  CHECK(status_of([&] { peer_from_abi(&s); }) == TRELLIS_E_INVALID);
  s.flags = 0;
  trellis_ip_prefix bad[] = {abi_v4(100, 64, 0, 0, 40)};
  s.allowed_ips = bad;
  s.allowed_ip_count = 1;
  CHECK(status_of([&] { peer_from_abi(&s); }) == TRELLIS_E_INVALID);
  s.allowed_ips = nullptr;
  CHECK(status_of([&] { peer_from_abi(&s); }) == TRELLIS_E_INVALID);
  s.allowed_ip_count = 0;
  s.flags = 1u << 9;
  CHECK(status_of([&] { peer_from_abi(&s); }) == TRELLIS_E_UNSUPPORTED);
}

TEST_CASE("stats_to_abi: fields, capacity and count", "[abi]") {
  std::vector<PeerState> peers(3);
  for (size_t i = 0; i < peers.size(); ++i) {
    peers[i].public_key[0] = static_cast<uint8_t>(i + 1);
    peers[i].rx_bytes = 1000 + i;
    peers[i].tx_bytes = 2000 + i;
    peers[i].persistent_keepalive_s = 25;
  }
  peers[0].last_handshake_filetime = kFiletimeUnixEpoch + 17'000'000'000'000'000ull;  // 1.7e9 s
  Endpoint e;
  e.family = 6;
  e.port = 443;
  e.addr[0] = 0xfd;
  peers[1].endpoint = e;

  trellis_tunnel_peer_stats out[2];
  std::memset(out, 0, sizeof out);  // struct_size 0: the callee fills its own
  REQUIRE(stats_to_abi(peers, out, 2) == 2);
  CHECK(out[0].struct_size == sizeof(trellis_tunnel_peer_stats));
  CHECK(out[0].public_key[0] == 1);
  CHECK(out[0].last_handshake_unix_ns == 1'700'000'000'000'000'000);
  CHECK(out[0].endpoint.family == 0);
  CHECK(out[0].rx_bytes == 1000);
  CHECK(out[0].tx_bytes == 2000);
  CHECK(out[0].rx_dropped == 0);
  CHECK(out[0].persistent_keepalive_s == 25);
  CHECK(out[1].last_handshake_unix_ns == 0);
  CHECK(out[1].endpoint.family == 6);
  CHECK(out[1].endpoint.port == 443);
  CHECK(out[1].endpoint.addr[0] == 0xfd);
  CHECK(stats_to_abi(peers, out, 0) == 0);
}

TEST_CASE("stats_to_abi: an older host's smaller entries use its stride", "[abi]") {
  const size_t old_size = offsetof(trellis_tunnel_peer_stats, rx_dropped);
  std::vector<PeerState> peers(2);
  peers[0].public_key[0] = 0x11;
  peers[1].public_key[0] = 0x22;
  peers[1].tx_bytes = 99;
  std::vector<uint8_t> raw(3 * old_size, 0xee);
  auto *first = reinterpret_cast<trellis_tunnel_peer_stats *>(raw.data());
  const uint32_t sz = static_cast<uint32_t>(old_size);
  std::memcpy(raw.data(), &sz, sizeof sz);
  REQUIRE(stats_to_abi(peers, first, 3) == 2);
  trellis_tunnel_peer_stats second;
  std::memset(&second, 0, sizeof second);
  std::memcpy(&second, raw.data() + old_size, old_size);
  CHECK(second.struct_size == old_size);
  CHECK(second.public_key[0] == 0x22);
  CHECK(second.tx_bytes == 99);
  for (size_t i = 2 * old_size; i < raw.size(); ++i) REQUIRE(raw[i] == 0xee);  // third untouched
}
