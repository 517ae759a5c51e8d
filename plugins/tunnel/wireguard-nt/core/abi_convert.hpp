// SPDX-License-Identifier: Apache-2.0
// Trellis tunnel ABI structs <-> the plugin's model. Inputs from the host are
// read with the SDK's read_sized (an older host's smaller structs are
// understood), validated (TRELLIS_E_INVALID, or TRELLIS_E_UNSUPPORTED for what
// wireguard-nt cannot do) and wiped where they held keys. Allowed IPs and
// routes are put in canonical form (host bits cleared); interface addresses
// keep theirs, since the host part is the address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <trellis/plugin.h>

#include "core/model.hpp"

namespace trellis::wgnt {

// Windows refuses an IPv4 MTU under 576; IPv6 needs at least 1280 and is left
// at its own MTU when a smaller one is asked for.
inline constexpr uint32_t kMinMtu = 576;
inline constexpr uint32_t kMinMtuIpv6 = 1280;
inline constexpr uint32_t kMaxMtu = 65535;

struct InterfaceSettings {
  InterfaceUpdate wg;  // private key, listen port
  std::optional<uint32_t> mtu;
  std::optional<std::vector<IpPrefix>> addresses;  // replaces all when present
};

// fwmark has no Windows meaning: a non-zero one is TRELLIS_E_UNSUPPORTED.
InterfaceSettings interface_from_abi(const trellis_tunnel_interface *in);
PeerUpdate peer_from_abi(const trellis_tunnel_peer *in);
PublicKey key_from_abi(const uint8_t *key);

IpPrefix prefix_from_abi(const trellis_ip_prefix &p, const char *what);
std::vector<IpPrefix> prefixes_from_abi(const trellis_ip_prefix *p, size_t count, const char *what,
                                        bool make_canonical);
Endpoint endpoint_from_abi(const trellis_endpoint &e, const char *what);
trellis_endpoint endpoint_to_abi(const std::optional<Endpoint> &e);

// Fills out[0..min(capacity, peers.size())) and returns how many it wrote.
// The entries' stride is out[0].struct_size (sizeof when 0), so a host built
// with an older, smaller struct gets entries of its own size.
size_t stats_to_abi(const std::vector<PeerState> &peers, trellis_tunnel_peer_stats *out,
                    size_t capacity);

}  // namespace trellis::wgnt
