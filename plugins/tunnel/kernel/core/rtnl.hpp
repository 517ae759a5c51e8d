// SPDX-License-Identifier: Apache-2.0
// rtnetlink requests and answers for the WireGuard interface: link create
// (IFLA_INFO_KIND "wireguard"), get, set (up/down, IFLA_MTU) and delete;
// address add, delete and dump; route add, delete and dump. Requests match
// what iproute2 sends for the same command, so they can be checked against
// recorded `ip` traffic. Decoders check every length they read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/bytes.hpp"
#include "core/device.hpp"
#include "core/status.hpp"

namespace trellis::tunnel_kernel {

struct LinkInfo {
  uint32_t ifindex = 0;
  std::string name;
  std::string kind;  // IFLA_INFO_KIND; empty for devices without one (lo)
  uint32_t mtu = 0;
  uint32_t flags = 0;  // IFF_*
};

// RTM_NEWLINK with NLM_F_CREATE | NLM_F_EXCL.
Status encode_link_create(const std::string &ifname, const std::string &kind, SecureBytes &out);
// RTM_GETLINK by name; the answer is one RTM_NEWLINK.
Status encode_link_get(const std::string &ifname, SecureBytes &out);
// RTM_NEWLINK changing IFF_UP (when up is set) and IFLA_MTU (when mtu is set).
SecureBytes encode_link_set(uint32_t ifindex, std::optional<bool> up, std::optional<uint32_t> mtu);
SecureBytes encode_link_delete(uint32_t ifindex);
Status decode_link(std::span<const uint8_t> message, LinkInfo &out);

struct AddressInfo {
  uint32_t ifindex = 0;
  IpPrefix prefix;  // IFA_LOCAL, else IFA_ADDRESS
  uint8_t scope = 0;
};

// RTM_NEWADDR (NLM_F_CREATE | NLM_F_EXCL) or RTM_DELADDR of prefix on ifindex.
// Precondition: is_valid(prefix).
SecureBytes encode_address(uint16_t type, uint32_t ifindex, const IpPrefix &prefix);
// RTM_GETADDR dump of one family (AF_UNSPEC: all).
SecureBytes encode_address_dump(uint8_t family);
Status decode_address(std::span<const uint8_t> message, AddressInfo &out);

struct Route {
  uint32_t ifindex = 0;
  IpPrefix dst;  // masked
  uint32_t table = 254;   // RT_TABLE_MAIN
  uint8_t protocol = 4;   // RTPROT_STATIC
  uint32_t metric = 0;    // RTA_PRIORITY, sent when non-zero
  uint8_t type = 1;       // RTN_UNICAST (decoded routes may be others)

  friend bool operator==(const Route &, const Route &) = default;
};

// RTM_NEWROUTE (NLM_F_CREATE | NLM_F_EXCL) or RTM_DELROUTE: a link-scope
// unicast route to dst through ifindex. Precondition: is_valid(route.dst).
SecureBytes encode_route(uint16_t type, const Route &route);
SecureBytes encode_route_dump(uint8_t family);
// Routes without RTA_OIF (multipath, blackhole) decode with ifindex 0.
Status decode_route(std::span<const uint8_t> message, Route &out);

}  // namespace trellis::tunnel_kernel
