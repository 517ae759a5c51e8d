// SPDX-License-Identifier: Apache-2.0
// rtnetlink link, address and route operations on a live kernel.
#include "io/route_netlink.hpp"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <trellis/plugin.hpp>

namespace trellis::tunnel_kernel {
namespace {

[[noreturn]] void fail(const std::string &what, const NetlinkResult &r) {
  throw sdk::Error(status_from_errno(r.error), what + ": " + r.describe());
}

void check(Status s) {
  if (!s) throw sdk::Error(TRELLIS_E_INVALID, s.message());
}

}  // namespace

RouteNetlink::RouteNetlink() : sock_(NETLINK_ROUTE) {}

std::optional<LinkInfo> RouteNetlink::get_link(const std::string &ifname) {
  SecureBytes request;
  check(encode_link_get(ifname, request));
  LinkInfo info;
  bool found = false;
  const NetlinkResult r = sock_.exchange(request, [&](std::span<const uint8_t> m) {
    found = true;
    return decode_link(m, info);
  });
  if (r.error == -ENODEV) return std::nullopt;
  if (!r.ok()) fail("looking up interface " + ifname, r);
  if (!found) return std::nullopt;
  return info;
}

void RouteNetlink::create_link(const std::string &ifname, const std::string &kind) {
  SecureBytes request;
  check(encode_link_create(ifname, kind, request));
  const NetlinkResult r = sock_.exchange(request);
  if (!r.ok()) fail("creating " + kind + " interface " + ifname, r);
}

void RouteNetlink::set_link(uint32_t ifindex, std::optional<bool> up, std::optional<uint32_t> mtu) {
  SecureBytes request = encode_link_set(ifindex, up, mtu);
  const NetlinkResult r = sock_.exchange(request);
  if (r.ok()) return;
  std::string what = "setting interface " + std::to_string(ifindex);
  if (mtu) what += " mtu " + std::to_string(*mtu);
  if (up) what += *up ? " up" : " down";
  fail(what, r);
}

bool RouteNetlink::delete_link(uint32_t ifindex) {
  SecureBytes request = encode_link_delete(ifindex);
  const NetlinkResult r = sock_.exchange(request);
  if (r.error == -ENODEV) return false;
  if (!r.ok()) fail("deleting interface " + std::to_string(ifindex), r);
  return true;
}

std::vector<AddressInfo> RouteNetlink::addresses(uint32_t ifindex) {
  SecureBytes request = encode_address_dump(AF_UNSPEC);
  std::vector<AddressInfo> out;
  const NetlinkResult r = sock_.exchange(request, [&](std::span<const uint8_t> m) {
    AddressInfo a;
    Status s = decode_address(m, a);
    if (s && a.ifindex == ifindex) out.push_back(a);
    return s;
  });
  if (!r.ok()) fail("listing addresses", r);
  return out;
}

void RouteNetlink::add_address(uint32_t ifindex, const IpPrefix &prefix) {
  SecureBytes request = encode_address(RTM_NEWADDR, ifindex, prefix);
  const NetlinkResult r = sock_.exchange(request);
  if (!r.ok()) fail("adding address " + to_string(prefix), r);
}

void RouteNetlink::delete_address(uint32_t ifindex, const IpPrefix &prefix) {
  SecureBytes request = encode_address(RTM_DELADDR, ifindex, prefix);
  const NetlinkResult r = sock_.exchange(request);
  if (!r.ok() && r.error != -EADDRNOTAVAIL) fail("deleting address " + to_string(prefix), r);
}

std::vector<Route> RouteNetlink::routes(uint32_t ifindex, uint32_t table, uint8_t protocol) {
  std::vector<Route> out;
  for (uint8_t family : {uint8_t{AF_INET}, uint8_t{AF_INET6}}) {
    SecureBytes request = encode_route_dump(family);
    const NetlinkResult r = sock_.exchange(request, [&](std::span<const uint8_t> m) {
      Route route;
      Status s = decode_route(m, route);
      if (s && route.ifindex == ifindex && route.table == table && route.protocol == protocol &&
          route.type == RTN_UNICAST) {
        out.push_back(route);
      }
      return s;
    });
    // A kernel without IPv6 refuses the AF_INET6 dump; it then has no such routes.
    if (!r.ok() && !(family == AF_INET6 && r.error == -EAFNOSUPPORT)) fail("listing routes", r);
  }
  return out;
}

void RouteNetlink::add_route(const Route &route) {
  SecureBytes request = encode_route(RTM_NEWROUTE, route);
  const NetlinkResult r = sock_.exchange(request);
  if (!r.ok()) fail("adding route " + to_string(route.dst), r);
}

void RouteNetlink::delete_route(const Route &route) {
  SecureBytes request = encode_route(RTM_DELROUTE, route);
  const NetlinkResult r = sock_.exchange(request);
  if (!r.ok() && r.error != -ESRCH) fail("deleting route " + to_string(route.dst), r);
}

}  // namespace trellis::tunnel_kernel
