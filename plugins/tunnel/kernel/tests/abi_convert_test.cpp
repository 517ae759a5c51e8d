// SPDX-License-Identifier: Apache-2.0
// ABI values to the netlink model and back: families, has-flags, validation,
// statistics and events.
#include <linux/wireguard.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "core/abi_convert.hpp"

namespace trellis::tunnel_kernel {
namespace {

TEST_CASE("prefixes and endpoints convert and are validated", "[abi]") {
  trellis_ip_prefix in{4, 10, {100, 64, 0, 1}};
  IpPrefix p;
  REQUIRE(prefix_from_abi(in, p));
  CHECK(p.family == AF_INET);
  CHECK(p.prefix_len == 10);
  CHECK(to_string(p) == "100.64.0.1/10");
  CHECK(to_string(masked(p)) == "100.64.0.0/10");
  in.prefix_len = 33;
  CHECK_FALSE(prefix_from_abi(in, p));
  in.family = 5;
  CHECK_FALSE(prefix_from_abi(in, p));
  trellis_ip_prefix six{6, 120, {}};
  six.addr[10] = six.addr[11] = 0xff;
  six.addr[12] = 198, six.addr[13] = 51, six.addr[14] = 100;
  REQUIRE(prefix_from_abi(six, p));
  CHECK(to_string(p) == "::ffff:198.51.100.0/120");

  trellis_endpoint e{4, 51821, {198, 51, 100, 2}};
  Endpoint ep;
  REQUIRE(endpoint_from_abi(e, ep));
  CHECK(to_string(ep) == "198.51.100.2:51821");
  const trellis_endpoint back = endpoint_to_abi(ep);
  CHECK(back.family == 4);
  CHECK(back.port == 51821);
  CHECK(std::memcmp(back.addr, e.addr, 4) == 0);
  e.port = 0;
  CHECK_FALSE(endpoint_from_abi(e, ep));
  CHECK(endpoint_to_abi(Endpoint{}).family == 0);
}

TEST_CASE("a peer upsert maps its flags", "[abi]") {
  const trellis_ip_prefix ips[2] = {{4, 32, {100, 64, 0, 2}}, {4, 24, {198, 51, 100, 0}}};
  trellis_tunnel_peer in{};
  in.struct_size = sizeof(in);
  in.public_key[0] = 9;
  in.flags = TRELLIS_PEER_HAS_ENDPOINT | TRELLIS_PEER_REPLACE_ALLOWED_IPS;
  in.endpoint = {4, 51820, {198, 51, 100, 1}};
  in.preshared_key[0] = 1;  // ignored: no HAS_PRESHARED_KEY
  in.allowed_ips = ips;
  in.allowed_ip_count = 2;
  Peer p;
  REQUIRE(peer_from_abi(in, p));
  CHECK(p.public_key[0] == 9);
  CHECK(p.has == (Peer::kEndpoint | Peer::kFlags));
  CHECK(p.flags == WGPEER_F_REPLACE_ALLOWEDIPS);
  CHECK(p.allowed_ips.size() == 2);

  in.flags = TRELLIS_PEER_HAS_PRESHARED_KEY | TRELLIS_PEER_HAS_KEEPALIVE;
  in.persistent_keepalive_s = 25;
  REQUIRE(peer_from_abi(in, p));
  CHECK(p.has == (Peer::kPresharedKey | Peer::kKeepalive));
  CHECK(p.keepalive_s == 25);
  CHECK(p.preshared_key.data()[0] == 1);

  in.allowed_ips = nullptr;
  CHECK_FALSE(peer_from_abi(in, p));
}

TEST_CASE("interface settings map their has-flags", "[abi]") {
  trellis_tunnel_interface in{};
  in.flags = TRELLIS_IF_HAS_LISTEN_PORT | TRELLIS_IF_HAS_MTU;
  in.listen_port = 51820;
  Device d;
  settings_from_abi(in, d);
  CHECK(d.has == Device::kListenPort);  // MTU goes over rtnetlink, not here
  in.flags = TRELLIS_IF_HAS_PRIVATE_KEY | TRELLIS_IF_HAS_FWMARK;
  in.private_key[31] = 7;
  in.fwmark = 0x51;
  settings_from_abi(in, d);
  CHECK(d.has == (Device::kListenPort | Device::kPrivateKey | Device::kFwmark));
  CHECK(d.private_key.data()[31] == 7);
  CHECK(d.fwmark == 0x51u);
}

TEST_CASE("statistics and events reach the ABI", "[abi]") {
  Peer p;
  p.public_key[1] = 3;
  p.endpoint.family = AF_INET;
  p.endpoint.port = 51821;
  p.endpoint.addr = {198, 51, 100, 2};
  p.last_handshake_sec = 1795612002;
  p.last_handshake_nsec = 5;
  p.rx_bytes = 348;
  p.tx_bytes = 436;
  p.keepalive_s = 25;
  const trellis_tunnel_peer_stats s = stats_to_abi(p);
  CHECK(s.struct_size == sizeof(s));
  CHECK(s.public_key[1] == 3);
  CHECK(s.last_handshake_unix_ns == 1795612002000000005);
  CHECK(s.rx_bytes == 348);
  CHECK(s.tx_bytes == 436);
  CHECK(s.persistent_keepalive_s == 25);
  CHECK(s.endpoint.port == 51821);
  CHECK(sample_of(p).last_handshake_unix_ns == s.last_handshake_unix_ns);

  TunnelEvent ev{TunnelEvent::Type::kPeerStale, p.public_key, p.endpoint};
  const trellis_tunnel_event e = event_to_abi(ev);
  CHECK(e.type == TRELLIS_TUNNEL_EV_PEER_STALE);
  CHECK(e.public_key[1] == 3);
  CHECK(e.endpoint.family == 4);
}

}  // namespace
}  // namespace trellis::tunnel_kernel
