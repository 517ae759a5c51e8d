// SPDX-License-Identifier: Apache-2.0
// nt_layout.hpp against the numbers worked out by hand from wireguard-nt's
// wireguard.h: record sizes and alignment, every field offset, flag values and
// Windows' address-family numbers. (nt_layout.hpp also static_asserts the
// offsets; this keeps the table readable beside the test that uses it.)
#include <catch2/catch.hpp>

#include <cstddef>

#include "core/nt_layout.hpp"

using namespace trellis::wgnt;

TEST_CASE("layout: WIREGUARD_INTERFACE", "[layout]") {
  CHECK(sizeof(NtInterface) == 80);
  CHECK(alignof(NtInterface) == 8);
  CHECK(offsetof(NtInterface, flags) == 0);
  CHECK(offsetof(NtInterface, listen_port) == 4);
  CHECK(offsetof(NtInterface, private_key) == 6);
  CHECK(offsetof(NtInterface, public_key) == 38);
  CHECK(offsetof(NtInterface, peers_count) == 72);
}

TEST_CASE("layout: WIREGUARD_PEER", "[layout]") {
  CHECK(sizeof(NtPeer) == 136);
  CHECK(alignof(NtPeer) == 8);
  CHECK(offsetof(NtPeer, flags) == 0);
  CHECK(offsetof(NtPeer, reserved) == 4);
  CHECK(offsetof(NtPeer, public_key) == 8);
  CHECK(offsetof(NtPeer, preshared_key) == 40);
  CHECK(offsetof(NtPeer, persistent_keepalive) == 72);
  CHECK(offsetof(NtPeer, endpoint) == 76);  // SOCKADDR_INET is 4-aligned
  CHECK(sizeof(NtPeer::endpoint) == 28);
  CHECK(offsetof(NtPeer, tx_bytes) == 104);
  CHECK(offsetof(NtPeer, rx_bytes) == 112);
  CHECK(offsetof(NtPeer, last_handshake) == 120);
  CHECK(offsetof(NtPeer, allowed_ips_count) == 128);
}

TEST_CASE("layout: WIREGUARD_ALLOWED_IP", "[layout]") {
  CHECK(sizeof(NtAllowedIp) == 24);
  CHECK(alignof(NtAllowedIp) == 8);
  CHECK(offsetof(NtAllowedIp, address) == 0);
  CHECK(offsetof(NtAllowedIp, address_family) == 16);
  CHECK(offsetof(NtAllowedIp, cidr) == 18);
  CHECK(offsetof(NtAllowedIp, flags) == 20);
}

TEST_CASE("layout: records stack with no gap", "[layout]") {
  struct IfThenPeer {
    NtInterface i;
    NtPeer p;
  };
  struct PeerThenIp {
    NtPeer p;
    NtAllowedIp a;
  };
  struct IpThenPeer {
    NtAllowedIp a;
    NtPeer p;
  };
  CHECK(offsetof(IfThenPeer, p) == sizeof(NtInterface));
  CHECK(offsetof(PeerThenIp, a) == sizeof(NtPeer));
  CHECK(offsetof(IpThenPeer, p) == sizeof(NtAllowedIp));
}

TEST_CASE("layout: flags and address families", "[layout]") {
  CHECK(kIfHasPublicKey == 1);
  CHECK(kIfHasPrivateKey == 2);
  CHECK(kIfHasListenPort == 4);
  CHECK(kIfReplacePeers == 8);
  CHECK(kPeerHasPublicKey == 1);
  CHECK(kPeerHasPresharedKey == 2);
  CHECK(kPeerHasPersistentKeepalive == 4);
  CHECK(kPeerHasEndpoint == 8);
  CHECK(kPeerReplaceAllowedIps == 32);
  CHECK(kPeerRemove == 64);
  CHECK(kPeerUpdateOnly == 128);
  CHECK(kAllowedIpRemove == 1);
  CHECK(kAfInet == 2);
  CHECK(kAfInet6 == 23);
  CHECK(kSockaddrInetLen == 28);
  CHECK(kSaV6Addr == 8);
  CHECK(kSaV6ScopeId == 24);
}
