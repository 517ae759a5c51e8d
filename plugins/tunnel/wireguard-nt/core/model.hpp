// SPDX-License-Identifier: Apache-2.0
// The plugin's own view of a wireguard-nt configuration, independent of both
// the driver's packed records (config_codec turns these into bytes and back)
// and the Trellis ABI structs (abi_convert fills these from them). Updates
// mirror the driver's partial-update model: a field is set only when present.
// States are what GetConfiguration reports; they hold no secrets (the codec
// never copies keys out of the driver's answer).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/nt_layout.hpp"
#include "core/secure.hpp"

namespace trellis::wgnt {

using PublicKey = std::array<uint8_t, kKeyLen>;

// An IPv4 or IPv6 address with a prefix length. family is 4 or 6; addr holds
// 4 or 16 bytes in network order, the rest zero.
struct IpPrefix {
  uint8_t family = 0;
  uint8_t prefix_len = 0;
  std::array<uint8_t, 16> addr{};

  auto operator<=>(const IpPrefix &) const = default;
};

// A UDP endpoint; port in host order.
struct Endpoint {
  uint8_t family = 0;  // 4 or 6
  uint16_t port = 0;
  std::array<uint8_t, 16> addr{};

  bool operator==(const Endpoint &) const = default;
};

struct AllowedIp {
  IpPrefix prefix;
  bool remove = false;  // WIREGUARD_ALLOWED_IP_REMOVE: take this prefix away
};

// One record for WireGuardSetConfiguration's interface part.
struct InterfaceUpdate {
  std::optional<SecretKey> private_key;
  std::optional<uint16_t> listen_port;
  bool replace_peers = false;  // drop every peer before applying the peers below
};

// One peer record. The public key always travels (HAS_PUBLIC_KEY).
struct PeerUpdate {
  PublicKey public_key{};
  std::optional<SecretKey> preshared_key;
  std::optional<Endpoint> endpoint;
  std::optional<uint16_t> persistent_keepalive_s;
  bool replace_allowed_ips = false;
  bool remove = false;       // delete the peer; other fields are ignored
  bool update_only = false;  // do not create the peer if it is absent
  std::vector<AllowedIp> allowed_ips;
};

// A peer as GetConfiguration reports it.
struct PeerState {
  PublicKey public_key{};
  bool has_preshared_key = false;
  uint16_t persistent_keepalive_s = 0;
  std::optional<Endpoint> endpoint;
  uint64_t tx_bytes = 0;
  uint64_t rx_bytes = 0;
  uint64_t last_handshake_filetime = 0;  // 0 = never
  std::vector<IpPrefix> allowed_ips;
};

struct InterfaceState {
  std::optional<PublicKey> public_key;  // present once a private key is set
  std::optional<uint16_t> listen_port;
  std::vector<PeerState> peers;

  const PeerState *find(const PublicKey &key) const {
    for (const auto &p : peers)
      if (p.public_key == key) return &p;
    return nullptr;
  }
};

}  // namespace trellis::wgnt
