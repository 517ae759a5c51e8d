// SPDX-License-Identifier: Apache-2.0
// The WireGuard device model the generic netlink codec reads and writes: the
// same structure describes a SET_DEVICE request (what to change) and a
// GET_DEVICE answer (what the kernel has, with per-peer statistics). Like the
// wireguard-tools embeddable library, fields are partial: a `has` bit says a
// field is present; absent fields are neither sent nor were received. Address
// families are AF_INET / AF_INET6, as on the wire.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"

namespace trellis::tunnel_kernel {

// An IP prefix: an interface address, an allowed IP, a route destination.
struct IpPrefix {
  uint16_t family = 0;  // AF_INET or AF_INET6
  uint8_t prefix_len = 0;
  std::array<uint8_t, 16> addr{};  // network order; IPv4 in the first 4 bytes

  friend bool operator==(const IpPrefix &, const IpPrefix &) = default;
};

// The host bits of prefix cleared (what the kernel stores for allowed IPs and routes).
IpPrefix masked(const IpPrefix &prefix);
// "100.64.0.1/32", "2001:db8::/32".
std::string to_string(const IpPrefix &prefix);
// AF_INET with prefix_len <= 32, or AF_INET6 with prefix_len <= 128.
bool is_valid(const IpPrefix &prefix);

// A UDP endpoint: struct sockaddr_in / sockaddr_in6 on the wire.
struct Endpoint {
  uint16_t family = 0;  // 0 (none), AF_INET or AF_INET6
  uint16_t port = 0;    // host order
  std::array<uint8_t, 16> addr{};
  uint32_t flowinfo = 0;  // IPv6 only
  uint32_t scope_id = 0;  // IPv6 only

  friend bool operator==(const Endpoint &, const Endpoint &) = default;
};

std::string to_string(const Endpoint &endpoint);

struct Peer {
  enum Has : uint32_t {
    kPresharedKey = 1u << 0,
    kEndpoint = 1u << 1,
    kKeepalive = 1u << 2,
    kFlags = 1u << 3,
    kLastHandshake = 1u << 4,
    kRxBytes = 1u << 5,
    kTxBytes = 1u << 6,
    kProtocolVersion = 1u << 7,
  };

  uint32_t has = 0;
  uint32_t flags = 0;  // WGPEER_F_* (kFlags)
  PublicKey public_key{};
  SecretKey preshared_key;  // all zero removes it (kPresharedKey)
  Endpoint endpoint;
  uint16_t keepalive_s = 0;
  int64_t last_handshake_sec = 0;  // CLOCK_REALTIME; 0/0 = never
  int64_t last_handshake_nsec = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
  uint32_t protocol_version = 0;
  std::vector<IpPrefix> allowed_ips;  // present when non-empty

  friend bool operator==(const Peer &, const Peer &) = default;
};

struct Device {
  enum Has : uint32_t {
    kIfindex = 1u << 0,
    kIfname = 1u << 1,
    kPrivateKey = 1u << 2,
    kPublicKey = 1u << 3,
    kListenPort = 1u << 4,
    kFwmark = 1u << 5,
    kFlags = 1u << 6,
  };

  uint32_t has = 0;
  uint32_t flags = 0;  // WGDEVICE_F_* (kFlags)
  uint32_t ifindex = 0;
  std::string ifname;
  SecretKey private_key;  // all zero removes it
  PublicKey public_key{};
  uint16_t listen_port = 0;  // 0 = kernel picks one
  uint32_t fwmark = 0;       // 0 = off
  std::vector<Peer> peers;

  friend bool operator==(const Device &, const Device &) = default;
};

}  // namespace trellis::tunnel_kernel
