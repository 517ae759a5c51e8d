// SPDX-License-Identifier: Apache-2.0
// The configuration buffer wireguard-nt's WireGuardSetConfiguration takes and
// WireGuardGetConfiguration fills, declared from the driver's published API
// (wireguard.h of the wireguard-nt project) with fixed-width types only, so the
// same declarations hold on Linux, where the unit tests check them byte for
// byte, and on Windows x86_64/arm64. The buffer is one interface record, then
// for each peer a peer record followed directly by that peer's allowed-IP
// records. Every record is 8-byte aligned and its size a multiple of 8, so
// records follow each other with no gap. Numbers are in host order
// (little-endian on every Windows target) except inside the endpoint, which is
// a SOCKADDR_INET: its port and addresses are in network order.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace trellis::wgnt {

static_assert(std::endian::native == std::endian::little,
              "wireguard-nt exists only on little-endian Windows targets");

inline constexpr size_t kKeyLen = 32;

// Windows' address-family numbers (AF_INET6 is 23 there, not Linux's 10).
inline constexpr uint16_t kAfInet = 2;
inline constexpr uint16_t kAfInet6 = 23;

// WIREGUARD_INTERFACE_FLAG
inline constexpr uint32_t kIfHasPublicKey = 1u << 0;
inline constexpr uint32_t kIfHasPrivateKey = 1u << 1;
inline constexpr uint32_t kIfHasListenPort = 1u << 2;
inline constexpr uint32_t kIfReplacePeers = 1u << 3;

// WIREGUARD_PEER_FLAG (bit 4 is not published; the driver uses it internally).
inline constexpr uint32_t kPeerHasPublicKey = 1u << 0;
inline constexpr uint32_t kPeerHasPresharedKey = 1u << 1;
inline constexpr uint32_t kPeerHasPersistentKeepalive = 1u << 2;
inline constexpr uint32_t kPeerHasEndpoint = 1u << 3;
inline constexpr uint32_t kPeerReplaceAllowedIps = 1u << 5;
inline constexpr uint32_t kPeerRemove = 1u << 6;
inline constexpr uint32_t kPeerUpdateOnly = 1u << 7;

// WIREGUARD_ALLOWED_IP_FLAG
inline constexpr uint32_t kAllowedIpRemove = 1u << 0;

// SOCKADDR_INET: a union of SOCKADDR_IN (16 bytes) and SOCKADDR_IN6 (28),
// 4-byte aligned. Offsets inside it:
inline constexpr size_t kSockaddrInetLen = 28;
inline constexpr size_t kSaFamily = 0;       // uint16_t, host order
inline constexpr size_t kSaPort = 2;         // uint16_t, network order
inline constexpr size_t kSaV4Addr = 4;       // 4 bytes, network order
inline constexpr size_t kSaV6FlowInfo = 4;   // uint32_t
inline constexpr size_t kSaV6Addr = 8;       // 16 bytes, network order
inline constexpr size_t kSaV6ScopeId = 24;   // uint32_t

// WIREGUARD_INTERFACE
struct alignas(8) NtInterface {
  uint32_t flags;
  uint16_t listen_port;
  uint8_t private_key[kKeyLen];
  uint8_t public_key[kKeyLen];
  uint32_t peers_count;  // peer records that follow
};

// WIREGUARD_PEER. `reserved` must be zero on input; the driver reports its
// protocol version there on output.
struct alignas(8) NtPeer {
  uint32_t flags;
  uint32_t reserved;
  uint8_t public_key[kKeyLen];
  uint8_t preshared_key[kKeyLen];
  uint16_t persistent_keepalive;  // seconds, 0 = off
  alignas(4) uint8_t endpoint[kSockaddrInetLen];
  uint64_t tx_bytes;
  uint64_t rx_bytes;
  uint64_t last_handshake;  // FILETIME: 100 ns units since 1601-01-01 UTC, 0 = never
  uint32_t allowed_ips_count;  // allowed-IP records that follow
};

// WIREGUARD_ALLOWED_IP. The address is a union of IN_ADDR and IN6_ADDR.
struct alignas(8) NtAllowedIp {
  alignas(4) uint8_t address[16];
  uint16_t address_family;
  uint8_t cidr;
  uint32_t flags;
};

static_assert(std::is_standard_layout_v<NtInterface> && std::is_trivially_copyable_v<NtInterface>);
static_assert(std::is_standard_layout_v<NtPeer> && std::is_trivially_copyable_v<NtPeer>);
static_assert(std::is_standard_layout_v<NtAllowedIp> && std::is_trivially_copyable_v<NtAllowedIp>);

static_assert(sizeof(NtInterface) == 80 && alignof(NtInterface) == 8);
static_assert(offsetof(NtInterface, flags) == 0);
static_assert(offsetof(NtInterface, listen_port) == 4);
static_assert(offsetof(NtInterface, private_key) == 6);
static_assert(offsetof(NtInterface, public_key) == 38);
static_assert(offsetof(NtInterface, peers_count) == 72);

static_assert(sizeof(NtPeer) == 136 && alignof(NtPeer) == 8);
static_assert(offsetof(NtPeer, flags) == 0);
static_assert(offsetof(NtPeer, reserved) == 4);
static_assert(offsetof(NtPeer, public_key) == 8);
static_assert(offsetof(NtPeer, preshared_key) == 40);
static_assert(offsetof(NtPeer, persistent_keepalive) == 72);
static_assert(offsetof(NtPeer, endpoint) == 76);
static_assert(offsetof(NtPeer, tx_bytes) == 104);
static_assert(offsetof(NtPeer, rx_bytes) == 112);
static_assert(offsetof(NtPeer, last_handshake) == 120);
static_assert(offsetof(NtPeer, allowed_ips_count) == 128);

static_assert(sizeof(NtAllowedIp) == 24 && alignof(NtAllowedIp) == 8);
static_assert(offsetof(NtAllowedIp, address) == 0);
static_assert(offsetof(NtAllowedIp, address_family) == 16);
static_assert(offsetof(NtAllowedIp, cidr) == 18);
static_assert(offsetof(NtAllowedIp, flags) == 20);

}  // namespace trellis::wgnt
