// SPDX-License-Identifier: Apache-2.0
// rtnetlink link, address and route messages for the WireGuard interface.
#include "core/rtnl.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "core/nl_message.hpp"

namespace trellis::tunnel_kernel {
namespace {

constexpr size_t kSmall = 256;  // every request here is shorter

bool valid_ifname(const std::string &name) {
  return !name.empty() && name.size() < IFNAMSIZ && name.find('\0') == std::string::npos &&
         name.find('/') == std::string::npos && name != "." && name != "..";
}

size_t addr_len(uint16_t family) { return family == AF_INET ? 4 : 16; }

std::string attr_string(const nlattr *attr) {
  const char *text = static_cast<const char *>(mnl_attr_get_payload(attr));
  return std::string(text, strnlen(text, mnl_attr_get_payload_len(attr)));
}

Status read_address(const nlattr *attr, uint16_t family, std::array<uint8_t, 16> &out,
                    const char *what) {
  if (Status s = want_len(attr, addr_len(family), what); !s) return s;
  out.fill(0);
  std::memcpy(out.data(), mnl_attr_get_payload(attr), addr_len(family));
  return Status::ok();
}

}  // namespace

// ---------------------------------------------------------------------------
// Links

Status encode_link_create(const std::string &ifname, const std::string &kind, SecureBytes &out) {
  if (!valid_ifname(ifname)) return Status::invalid("bad interface name \"" + ifname + "\"");
  MessageWriter w(kSmall, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  w.put_header<ifinfomsg>();
  w.put_strz(IFLA_IFNAME, ifname);
  nlattr *info = w.nest_start(IFLA_LINKINFO);
  w.put(IFLA_INFO_KIND, kind.data(), kind.size());  // NLA_STRING: no NUL, as iproute2 sends it
  w.nest_end(info);
  out = w.finish();
  return Status::ok();
}

Status encode_link_get(const std::string &ifname, SecureBytes &out) {
  if (!valid_ifname(ifname)) return Status::invalid("bad interface name \"" + ifname + "\"");
  MessageWriter w(kSmall, RTM_GETLINK, NLM_F_REQUEST);
  w.put_header<ifinfomsg>();
  w.put_strz(IFLA_IFNAME, ifname);
  out = w.finish();
  return Status::ok();
}

SecureBytes encode_link_set(uint32_t ifindex, std::optional<bool> up, std::optional<uint32_t> mtu) {
  MessageWriter w(kSmall, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
  auto *ifi = w.put_header<ifinfomsg>();
  ifi->ifi_index = static_cast<int>(ifindex);
  if (up) {
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = *up ? IFF_UP : 0;
  }
  if (mtu) w.put_u32(IFLA_MTU, *mtu);
  return w.finish();
}

SecureBytes encode_link_delete(uint32_t ifindex) {
  MessageWriter w(kSmall, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
  w.put_header<ifinfomsg>()->ifi_index = static_cast<int>(ifindex);
  return w.finish();
}

Status decode_link(std::span<const uint8_t> message, LinkInfo &out) {
  std::span<const uint8_t> payload;
  if (Status s = payload_after(message, sizeof(ifinfomsg), payload); !s) return s;
  ifinfomsg ifi;
  std::memcpy(&ifi, message.data() + MNL_NLMSG_HDRLEN, sizeof(ifi));
  AttrTable<IFLA_MAX> a;
  if (Status s = a.parse(payload.data(), payload.size()); !s) return s;
  LinkInfo info;
  info.ifindex = static_cast<uint32_t>(ifi.ifi_index);
  info.flags = ifi.ifi_flags;
  if (const nlattr *n = a[IFLA_IFNAME]) info.name = attr_string(n);
  if (const nlattr *m = a[IFLA_MTU]) {
    if (Status s = want_len(m, 4, "IFLA_MTU"); !s) return s;
    info.mtu = mnl_attr_get_u32(m);
  }
  if (const nlattr *li = a[IFLA_LINKINFO]) {
    AttrTable<IFLA_INFO_MAX> l;
    if (Status s = l.parse_nested(li); !s) return s;
    if (const nlattr *k = l[IFLA_INFO_KIND]) info.kind = attr_string(k);
  }
  out = std::move(info);
  return Status::ok();
}

// ---------------------------------------------------------------------------
// Addresses

SecureBytes encode_address(uint16_t type, uint32_t ifindex, const IpPrefix &prefix) {
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
  if (type == RTM_NEWADDR) flags |= NLM_F_CREATE | NLM_F_EXCL;
  MessageWriter w(kSmall, type, flags);
  auto *ifa = w.put_header<ifaddrmsg>();
  ifa->ifa_family = static_cast<uint8_t>(prefix.family);
  ifa->ifa_prefixlen = prefix.prefix_len;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = ifindex;
  w.put(IFA_LOCAL, prefix.addr.data(), addr_len(prefix.family));
  w.put(IFA_ADDRESS, prefix.addr.data(), addr_len(prefix.family));
  return w.finish();
}

SecureBytes encode_address_dump(uint8_t family) {
  MessageWriter w(kSmall, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  w.put_header<ifaddrmsg>()->ifa_family = family;
  return w.finish();
}

Status decode_address(std::span<const uint8_t> message, AddressInfo &out) {
  std::span<const uint8_t> payload;
  if (Status s = payload_after(message, sizeof(ifaddrmsg), payload); !s) return s;
  ifaddrmsg ifa;
  std::memcpy(&ifa, message.data() + MNL_NLMSG_HDRLEN, sizeof(ifa));
  if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6) {
    return Status::malformed("address family " + std::to_string(ifa.ifa_family));
  }
  AttrTable<IFA_MAX> a;
  if (Status s = a.parse(payload.data(), payload.size()); !s) return s;
  const nlattr *addr = a[IFA_LOCAL] != nullptr ? a[IFA_LOCAL] : a[IFA_ADDRESS];
  if (addr == nullptr) return Status::malformed("address message without IFA_LOCAL or IFA_ADDRESS");
  AddressInfo info;
  info.ifindex = ifa.ifa_index;
  info.scope = ifa.ifa_scope;
  info.prefix.family = ifa.ifa_family;
  info.prefix.prefix_len = ifa.ifa_prefixlen;
  if (Status s = read_address(addr, ifa.ifa_family, info.prefix.addr, "IFA_LOCAL/IFA_ADDRESS"); !s) {
    return s;
  }
  if (!is_valid(info.prefix)) return Status::malformed("address prefix length out of range");
  out = info;
  return Status::ok();
}

// ---------------------------------------------------------------------------
// Routes

SecureBytes encode_route(uint16_t type, const Route &route) {
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
  if (type == RTM_NEWROUTE) flags |= NLM_F_CREATE | NLM_F_EXCL;
  MessageWriter w(kSmall, type, flags);
  const IpPrefix dst = masked(route.dst);
  auto *rtm = w.put_header<rtmsg>();
  rtm->rtm_family = static_cast<uint8_t>(dst.family);
  rtm->rtm_dst_len = dst.prefix_len;
  rtm->rtm_table = route.table < 256 ? static_cast<uint8_t>(route.table) : uint8_t{RT_TABLE_UNSPEC};
  rtm->rtm_protocol = route.protocol;
  rtm->rtm_scope = RT_SCOPE_LINK;
  rtm->rtm_type = RTN_UNICAST;
  w.put(RTA_DST, dst.addr.data(), addr_len(dst.family));
  if (route.table >= 256) w.put_u32(RTA_TABLE, route.table);
  if (route.metric != 0) w.put_u32(RTA_PRIORITY, route.metric);
  w.put_u32(RTA_OIF, route.ifindex);
  return w.finish();
}

SecureBytes encode_route_dump(uint8_t family) {
  MessageWriter w(kSmall, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
  w.put_header<rtmsg>()->rtm_family = family;
  return w.finish();
}

Status decode_route(std::span<const uint8_t> message, Route &out) {
  std::span<const uint8_t> payload;
  if (Status s = payload_after(message, sizeof(rtmsg), payload); !s) return s;
  rtmsg rtm;
  std::memcpy(&rtm, message.data() + MNL_NLMSG_HDRLEN, sizeof(rtm));
  if (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6) {
    return Status::malformed("route family " + std::to_string(rtm.rtm_family));
  }
  AttrTable<RTA_MAX> a;
  if (Status s = a.parse(payload.data(), payload.size()); !s) return s;
  Route r;
  r.dst.family = rtm.rtm_family;
  r.dst.prefix_len = rtm.rtm_dst_len;
  if (!is_valid(r.dst)) return Status::malformed("route prefix length out of range");
  if (const nlattr *d = a[RTA_DST]) {
    if (Status s = read_address(d, rtm.rtm_family, r.dst.addr, "RTA_DST"); !s) return s;
  }
  r.table = rtm.rtm_table;
  if (const nlattr *t = a[RTA_TABLE]) {
    if (Status s = want_len(t, 4, "RTA_TABLE"); !s) return s;
    r.table = mnl_attr_get_u32(t);
  }
  if (const nlattr *o = a[RTA_OIF]) {
    if (Status s = want_len(o, 4, "RTA_OIF"); !s) return s;
    r.ifindex = mnl_attr_get_u32(o);
  }
  if (const nlattr *p = a[RTA_PRIORITY]) {
    if (Status s = want_len(p, 4, "RTA_PRIORITY"); !s) return s;
    r.metric = mnl_attr_get_u32(p);
  }
  r.protocol = rtm.rtm_protocol;
  r.type = rtm.rtm_type;
  out = r;
  return Status::ok();
}

}  // namespace trellis::tunnel_kernel
