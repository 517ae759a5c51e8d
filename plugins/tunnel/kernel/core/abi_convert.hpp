// SPDX-License-Identifier: Apache-2.0
// Translation between the tunnel ABI's value types (plugin.h: family 4/6,
// has-flags) and the netlink device model (AF_INET/AF_INET6, WGPEER_F_*).
// Pure: validates what the host passed and reports the first bad field.
#pragma once

#include <trellis/plugin.h>

#include <vector>

#include "core/device.hpp"
#include "core/stats_watcher.hpp"
#include "core/status.hpp"

namespace trellis::tunnel_kernel {

Status prefix_from_abi(const trellis_ip_prefix &in, IpPrefix &out);
Status prefixes_from_abi(const trellis_ip_prefix *in, size_t count, std::vector<IpPrefix> &out);
Status endpoint_from_abi(const trellis_endpoint &in, Endpoint &out);
trellis_endpoint endpoint_to_abi(const Endpoint &in);

// The device settings of an interface update (key, port, fwmark) onto dev.
void settings_from_abi(const trellis_tunnel_interface &in, Device &dev);

// A peer upsert: TRELLIS_PEER_* flags to has-bits and WGPEER_F_REPLACE_ALLOWEDIPS.
Status peer_from_abi(const trellis_tunnel_peer &in, Peer &out);

// A decoded peer's statistics, struct_size set.
trellis_tunnel_peer_stats stats_to_abi(const Peer &in);
PeerSample sample_of(const Peer &in);

trellis_tunnel_event event_to_abi(const TunnelEvent &in);

}  // namespace trellis::tunnel_kernel
