// SPDX-License-Identifier: Apache-2.0
// rtnetlink on a live kernel for the WireGuard interface: create, look up,
// set up/down and MTU, delete; list, add and delete addresses and routes.
// Errors are thrown as sdk::Error with the kernel's extended-ack text. Loop
// thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/rtnl.hpp"
#include "io/netlink_socket.hpp"

namespace trellis::tunnel_kernel {

class RouteNetlink {
 public:
  RouteNetlink();

  std::optional<LinkInfo> get_link(const std::string &ifname);
  // Creates a link of kind; EEXIST surfaces as TRELLIS_E_EXISTS.
  void create_link(const std::string &ifname, const std::string &kind);
  void set_link(uint32_t ifindex, std::optional<bool> up, std::optional<uint32_t> mtu);
  // False when the link was already gone.
  bool delete_link(uint32_t ifindex);

  std::vector<AddressInfo> addresses(uint32_t ifindex);
  void add_address(uint32_t ifindex, const IpPrefix &prefix);
  void delete_address(uint32_t ifindex, const IpPrefix &prefix);

  // Unicast routes through ifindex in table with protocol.
  std::vector<Route> routes(uint32_t ifindex, uint32_t table, uint8_t protocol);
  void add_route(const Route &route);
  void delete_route(const Route &route);

 private:
  NetlinkSocket sock_;
};

}  // namespace trellis::tunnel_kernel
