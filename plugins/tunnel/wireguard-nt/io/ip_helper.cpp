// SPDX-License-Identifier: Apache-2.0
// IP Helper calls for addresses, routes and MTU (see ip_helper.hpp).
#include "io/ip_helper.hpp"

#include <netioapi.h>

#include <cstring>

#include <trellis/plugin.hpp>

#include "core/abi_convert.hpp"
#include "core/nt_layout.hpp"
#include "core/prefix.hpp"
#include "io/win_error.hpp"

namespace trellis::wgnt::iphlp {
namespace {

// The core's byte layout of SOCKADDR_INET must be the system's.
static_assert(sizeof(SOCKADDR_INET) == kSockaddrInetLen);
static_assert(offsetof(SOCKADDR_IN6, sin6_port) == kSaPort);
static_assert(offsetof(SOCKADDR_IN6, sin6_flowinfo) == kSaV6FlowInfo);
static_assert(offsetof(SOCKADDR_IN6, sin6_addr) == kSaV6Addr);
static_assert(offsetof(SOCKADDR_IN6, sin6_scope_id) == kSaV6ScopeId);
static_assert(offsetof(SOCKADDR_IN, sin_addr) == kSaV4Addr);
static_assert(AF_INET == kAfInet && AF_INET6 == kAfInet6);

SOCKADDR_INET to_sockaddr(const IpPrefix &p) {
  SOCKADDR_INET sa;
  std::memset(&sa, 0, sizeof sa);
  if (p.family == 4) {
    sa.Ipv4.sin_family = AF_INET;
    std::memcpy(&sa.Ipv4.sin_addr, p.addr.data(), 4);
  } else {
    sa.Ipv6.sin6_family = AF_INET6;
    std::memcpy(&sa.Ipv6.sin6_addr, p.addr.data(), 16);
  }
  return sa;
}

SOCKADDR_INET unspecified(uint8_t family) {
  SOCKADDR_INET sa;
  std::memset(&sa, 0, sizeof sa);
  sa.si_family = family == 4 ? AF_INET : AF_INET6;
  return sa;
}

bool from_sockaddr(const SOCKADDR_INET &sa, uint8_t prefix_len, IpPrefix &out) {
  out = IpPrefix{};
  out.prefix_len = prefix_len;
  if (sa.si_family == AF_INET) {
    out.family = 4;
    std::memcpy(out.addr.data(), &sa.Ipv4.sin_addr, 4);
    return true;
  }
  if (sa.si_family == AF_INET6) {
    out.family = 6;
    std::memcpy(out.addr.data(), &sa.Ipv6.sin6_addr, 16);
    return true;
  }
  return false;
}

MIB_UNICASTIPADDRESS_ROW address_row(NET_LUID luid, const IpPrefix &p) {
  MIB_UNICASTIPADDRESS_ROW row;
  InitializeUnicastIpAddressEntry(&row);
  row.InterfaceLuid = luid;
  row.Address = to_sockaddr(p);
  row.OnLinkPrefixLength = p.prefix_len;
  return row;
}

MIB_IPFORWARD_ROW2 route_row(NET_LUID luid, const IpPrefix &p) {
  MIB_IPFORWARD_ROW2 row;
  InitializeIpForwardEntry(&row);
  row.InterfaceLuid = luid;
  row.DestinationPrefix.Prefix = to_sockaddr(p);
  row.DestinationPrefix.PrefixLength = p.prefix_len;
  row.NextHop = unspecified(p.family);  // on-link: the peer is chosen by allowed IPs
  row.Metric = 0;                       // only the interface metric counts
  row.Protocol = static_cast<NL_ROUTE_PROTOCOL>(MIB_IPPROTO_NETMGMT);  // a static route
  return row;
}

}  // namespace

bool set_mtu(NET_LUID luid, uint32_t mtu) {
  bool v6_done = false;
  for (ADDRESS_FAMILY family : {ADDRESS_FAMILY(AF_INET), ADDRESS_FAMILY(AF_INET6)}) {
    if (family == AF_INET6 && mtu < kMinMtuIpv6) break;
    MIB_IPINTERFACE_ROW row;
    InitializeIpInterfaceEntry(&row);
    row.Family = family;
    row.InterfaceLuid = luid;
    DWORD err = GetIpInterfaceEntry(&row);
    if (family == AF_INET6 && err == ERROR_NOT_FOUND) break;  // IPv6 disabled on the adapter
    if (err != NO_ERROR) win::fail(family == AF_INET ? "GetIpInterfaceEntry IPv4" : "GetIpInterfaceEntry IPv6", err);
    row.NlMtu = mtu;
    if (family == AF_INET) row.SitePrefixLength = 0;  // must be 0 for IPv4 or the call fails
    err = SetIpInterfaceEntry(&row);
    if (err != NO_ERROR)
      win::fail("SetIpInterfaceEntry MTU " + std::to_string(mtu) + (family == AF_INET ? " IPv4" : " IPv6"), err);
    if (family == AF_INET6) v6_done = true;
  }
  return v6_done;
}

std::vector<IpPrefix> list_addresses(NET_LUID luid) {
  MIB_UNICASTIPADDRESS_TABLE *table = nullptr;
  const DWORD err = GetUnicastIpAddressTable(AF_UNSPEC, &table);
  if (err != NO_ERROR) win::fail("GetUnicastIpAddressTable", err);
  std::vector<IpPrefix> out;
  for (ULONG i = 0; i < table->NumEntries; ++i) {
    const MIB_UNICASTIPADDRESS_ROW &row = table->Table[i];
    IpPrefix p;
    if (row.InterfaceLuid.Value == luid.Value && from_sockaddr(row.Address, row.OnLinkPrefixLength, p) &&
        !is_link_local(p))
      out.push_back(p);
  }
  FreeMibTable(table);
  return out;
}

void replace_addresses(NET_LUID luid, const std::vector<IpPrefix> &desired) {
  for (const IpPrefix &p : desired) validate_prefix(p, "interface address");
  const PrefixDiff diff = diff_prefixes(list_addresses(luid), desired);
  for (const IpPrefix &p : diff.remove) {
    MIB_UNICASTIPADDRESS_ROW row = address_row(luid, p);
    const DWORD err = DeleteUnicastIpAddressEntry(&row);
    if (err != NO_ERROR && err != ERROR_NOT_FOUND) win::fail("DeleteUnicastIpAddressEntry " + to_string(p), err);
  }
  for (const IpPrefix &p : diff.add) {
    MIB_UNICASTIPADDRESS_ROW row = address_row(luid, p);
    row.DadState = IpDadStatePreferred;  // no duplicate detection on a point-to-point tunnel
    const DWORD err = CreateUnicastIpAddressEntry(&row);
    if (err != NO_ERROR && err != ERROR_OBJECT_ALREADY_EXISTS)
      win::fail("CreateUnicastIpAddressEntry " + to_string(p), err);
  }
}

bool add_route(NET_LUID luid, const IpPrefix &prefix) {
  MIB_IPFORWARD_ROW2 row = route_row(luid, prefix);
  const DWORD err = CreateIpForwardEntry2(&row);
  if (err == ERROR_OBJECT_ALREADY_EXISTS) return false;
  if (err != NO_ERROR) win::fail("CreateIpForwardEntry2 " + to_string(prefix), err);
  return true;
}

void delete_route(NET_LUID luid, const IpPrefix &prefix) {
  MIB_IPFORWARD_ROW2 row = route_row(luid, prefix);
  const DWORD err = DeleteIpForwardEntry2(&row);
  if (err != NO_ERROR && err != ERROR_NOT_FOUND) win::fail("DeleteIpForwardEntry2 " + to_string(prefix), err);
}

}  // namespace trellis::wgnt::iphlp
