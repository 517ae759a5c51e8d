// SPDX-License-Identifier: Apache-2.0
// Addresses, routes and MTU of the adapter through the IP Helper API, keyed by
// the adapter's LUID (stable while the adapter exists, unlike its index).
// Replacing addresses is a diff (core/prefix.hpp) against what the interface
// has, leaving the link-local addresses Windows configures itself alone.
// Errors are sdk::Error naming the call and the prefix. Windows only.
#pragma once

#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>

#include <vector>

#include "core/model.hpp"

namespace trellis::wgnt::iphlp {

// IPv4 always; IPv6 too when the interface has IPv6 and mtu >= 1280.
// Returns false when IPv6 was left alone.
bool set_mtu(NET_LUID luid, uint32_t mtu);

std::vector<IpPrefix> list_addresses(NET_LUID luid);
void replace_addresses(NET_LUID luid, const std::vector<IpPrefix> &desired);

// An on-link route through the adapter. Adding one that exists or deleting one
// that does not is not an error; add_route returns false when it existed.
bool add_route(NET_LUID luid, const IpPrefix &prefix);
void delete_route(NET_LUID luid, const IpPrefix &prefix);

}  // namespace trellis::wgnt::iphlp
