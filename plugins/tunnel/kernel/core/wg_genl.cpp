// SPDX-License-Identifier: Apache-2.0
// WG_CMD_SET_DEVICE / WG_CMD_GET_DEVICE encoding with splitting, and decoding
// with continuation merging. See wg_genl.hpp for the splitting rules.
#include "core/wg_genl.hpp"

#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "core/nl_message.hpp"

namespace trellis::tunnel_kernel {
namespace {

size_t addr_len(uint16_t family) { return family == AF_INET ? 4 : 16; }

bool put_endpoint(MessageWriter &w, const Endpoint &ep) {
  if (ep.family == AF_INET) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(ep.port);
    std::memcpy(&sin.sin_addr, ep.addr.data(), 4);
    return w.put(WGPEER_A_ENDPOINT, &sin, sizeof(sin));
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(ep.port);
  sin6.sin6_flowinfo = htonl(ep.flowinfo);
  std::memcpy(&sin6.sin6_addr, ep.addr.data(), 16);
  sin6.sin6_scope_id = ep.scope_id;
  return w.put(WGPEER_A_ENDPOINT, &sin6, sizeof(sin6));
}

bool put_allowed_ip(MessageWriter &w, const IpPrefix &ip) {
  nlattr *nest = w.nest_start(0);
  if (nest == nullptr) return false;
  if (!w.put_u16(WGALLOWEDIP_A_FAMILY, ip.family) ||
      !w.put(WGALLOWEDIP_A_IPADDR, ip.addr.data(), addr_len(ip.family)) ||
      !w.put_u8(WGALLOWEDIP_A_CIDR_MASK, ip.prefix_len)) {
    w.nest_cancel(nest);
    return false;
  }
  w.nest_end(nest);
  return true;
}

// Where encoding stands: the next peer, the next of its allowed IPs, and
// whether that peer's first part (key, flags, settings) has been sent.
struct Cursor {
  size_t peer = 0;
  size_t ip = 0;
  bool peer_started = false;
};

enum class Fit { kNone, kPartial, kWhole };

// Puts as much of the cursor's peer as fits and advances the cursor.
Fit put_peer(MessageWriter &w, const Peer &p, Cursor &c) {
  nlattr *nest = w.nest_start(0);
  if (nest == nullptr) return Fit::kNone;
  bool ok = w.put(WGPEER_A_PUBLIC_KEY, p.public_key.data(), kKeyLen);
  if (ok && !c.peer_started) {
    if (ok && (p.has & Peer::kPresharedKey) != 0) {
      ok = w.put(WGPEER_A_PRESHARED_KEY, p.preshared_key.data(), kKeyLen);
    }
    if (ok && (p.has & Peer::kEndpoint) != 0) ok = put_endpoint(w, p.endpoint);
    if (ok && (p.has & Peer::kKeepalive) != 0) {
      ok = w.put_u16(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p.keepalive_s);
    }
    if (ok && (p.has & Peer::kFlags) != 0) ok = w.put_u32(WGPEER_A_FLAGS, p.flags);
  }
  if (!ok) {
    w.nest_cancel(nest);
    return Fit::kNone;
  }
  const size_t first_ip = c.ip;
  if (c.ip < p.allowed_ips.size()) {
    if (nlattr *ips = w.nest_start(WGPEER_A_ALLOWEDIPS)) {
      while (c.ip < p.allowed_ips.size() && put_allowed_ip(w, p.allowed_ips[c.ip])) ++c.ip;
      if (c.ip == first_ip) {
        w.nest_cancel(ips);
      } else {
        w.nest_end(ips);
      }
    }
  }
  if (c.peer_started && c.ip == first_ip) {  // a continuation that carries nothing
    w.nest_cancel(nest);
    return Fit::kNone;
  }
  w.nest_end(nest);
  c.peer_started = true;
  if (c.ip < p.allowed_ips.size()) return Fit::kPartial;
  c = Cursor{c.peer + 1, 0, false};
  return Fit::kWhole;
}

bool put_identity(MessageWriter &w, const Device &dev) {
  if ((dev.has & Device::kIfindex) != 0 && !w.put_u32(WGDEVICE_A_IFINDEX, dev.ifindex)) {
    return false;
  }
  if ((dev.has & Device::kIfname) != 0 && !w.put_strz(WGDEVICE_A_IFNAME, dev.ifname)) {
    return false;
  }
  return true;
}

bool put_settings(MessageWriter &w, const Device &dev) {
  bool ok = true;
  if ((dev.has & Device::kPrivateKey) != 0) {
    ok = w.put(WGDEVICE_A_PRIVATE_KEY, dev.private_key.data(), kKeyLen);
  }
  if (ok && (dev.has & Device::kListenPort) != 0) {
    ok = w.put_u16(WGDEVICE_A_LISTEN_PORT, dev.listen_port);
  }
  if (ok && (dev.has & Device::kFwmark) != 0) ok = w.put_u32(WGDEVICE_A_FWMARK, dev.fwmark);
  if (ok && (dev.has & Device::kFlags) != 0) ok = w.put_u32(WGDEVICE_A_FLAGS, dev.flags);
  return ok;
}

Status check_identity(const Device &dev) {
  if ((dev.has & (Device::kIfindex | Device::kIfname)) == 0) {
    return Status::invalid("the device has neither an ifindex nor a name");
  }
  if ((dev.has & Device::kIfname) != 0 &&
      (dev.ifname.empty() || dev.ifname.size() >= IFNAMSIZ ||
       dev.ifname.find('\0') != std::string::npos)) {
    return Status::invalid("bad interface name \"" + dev.ifname + "\"");
  }
  return Status::ok();
}

Status check_peers(const Device &dev) {
  for (const Peer &p : dev.peers) {
    if ((p.has & Peer::kEndpoint) != 0 && p.endpoint.family != AF_INET &&
        p.endpoint.family != AF_INET6) {
      return Status::invalid("peer endpoint has address family " +
                             std::to_string(p.endpoint.family));
    }
    for (const IpPrefix &ip : p.allowed_ips) {
      if (!is_valid(ip)) {
        return Status::invalid("bad allowed IP (family " + std::to_string(ip.family) +
                               ", prefix length " + std::to_string(ip.prefix_len) + ")");
      }
    }
  }
  return Status::ok();
}

MessageWriter start(uint16_t family_id, size_t capacity, uint8_t cmd, uint16_t flags) {
  MessageWriter w(capacity, family_id, flags);
  auto *g = w.put_header<genlmsghdr>();
  g->cmd = cmd;
  g->version = kWireguardGenlVersion;
  return w;
}

}  // namespace

Status encode_set_device(const Device &dev, uint16_t family_id, size_t capacity,
                         std::vector<SecureBytes> &out) {
  if (Status s = check_identity(dev); !s) return s;
  if (Status s = check_peers(dev); !s) return s;
  constexpr size_t kMinCapacity = MNL_NLMSG_HDRLEN + GENL_HDRLEN;
  if (capacity < kMinCapacity) return Status::invalid("message size below the netlink headers");

  std::vector<SecureBytes> messages;
  Cursor c;
  bool first = true;
  do {
    MessageWriter w = start(family_id, capacity, WG_CMD_SET_DEVICE, NLM_F_REQUEST | NLM_F_ACK);
    if (!put_identity(w, dev)) return Status::invalid("message size cannot hold the device name");
    const size_t before_settings = w.size();
    if (first && !put_settings(w, dev)) {
      return Status::invalid("message size cannot hold the device settings");
    }
    const bool carries_settings = first && w.size() > before_settings;
    size_t placed = 0;
    if (c.peer < dev.peers.size()) {
      if (nlattr *peers = w.nest_start(WGDEVICE_A_PEERS)) {
        while (c.peer < dev.peers.size()) {
          const Fit fit = put_peer(w, dev.peers[c.peer], c);
          if (fit == Fit::kNone) break;
          ++placed;
          if (fit == Fit::kPartial) break;
        }
        if (placed == 0) {
          w.nest_cancel(peers);
        } else {
          w.nest_end(peers);
        }
      }
      if (placed == 0 && !carries_settings) {
        return Status::invalid("message size " + std::to_string(capacity) +
                               " cannot hold peer " + std::to_string(c.peer));
      }
    }
    messages.push_back(w.finish());
    first = false;
  } while (c.peer < dev.peers.size());
  for (SecureBytes &m : messages) out.push_back(std::move(m));
  return Status::ok();
}

Status encode_get_device(const Device &dev, uint16_t family_id, SecureBytes &out) {
  if (Status s = check_identity(dev); !s) return s;
  constexpr size_t kCapacity = 64;  // headers, an ifindex and a name shorter than IFNAMSIZ
  MessageWriter w = start(family_id, kCapacity, WG_CMD_GET_DEVICE,
                          NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
  put_identity(w, dev);
  out = w.finish();
  return Status::ok();
}

// ---------------------------------------------------------------------------
// Decoding

namespace {

Status decode_allowed_ip(const nlattr *nest, IpPrefix &ip) {
  AttrTable<WGALLOWEDIP_A_MAX> a;
  if (Status s = a.parse_nested(nest); !s) return s;
  if (a[WGALLOWEDIP_A_FAMILY] == nullptr || a[WGALLOWEDIP_A_IPADDR] == nullptr ||
      a[WGALLOWEDIP_A_CIDR_MASK] == nullptr) {
    return Status::malformed("allowed IP without family, address or mask");
  }
  if (Status s = want_len(a[WGALLOWEDIP_A_FAMILY], 2, "WGALLOWEDIP_A_FAMILY"); !s) return s;
  if (Status s = want_len(a[WGALLOWEDIP_A_CIDR_MASK], 1, "WGALLOWEDIP_A_CIDR_MASK"); !s) return s;
  ip.family = mnl_attr_get_u16(a[WGALLOWEDIP_A_FAMILY]);
  ip.prefix_len = mnl_attr_get_u8(a[WGALLOWEDIP_A_CIDR_MASK]);
  if (ip.family != AF_INET && ip.family != AF_INET6) {
    return Status::malformed("allowed IP family " + std::to_string(ip.family));
  }
  if (Status s = want_len(a[WGALLOWEDIP_A_IPADDR], addr_len(ip.family), "WGALLOWEDIP_A_IPADDR");
      !s) {
    return s;
  }
  ip.addr.fill(0);
  std::memcpy(ip.addr.data(), mnl_attr_get_payload(a[WGALLOWEDIP_A_IPADDR]), addr_len(ip.family));
  if (!is_valid(ip)) return Status::malformed("allowed IP prefix length out of range");
  return Status::ok();
}

Status decode_endpoint(const nlattr *attr, Endpoint &ep) {
  if (Status s = want_min_len(attr, sizeof(sockaddr), "WGPEER_A_ENDPOINT"); !s) return s;
  const auto *p = static_cast<const uint8_t *>(mnl_attr_get_payload(attr));
  const size_t len = mnl_attr_get_payload_len(attr);
  sa_family_t family;
  std::memcpy(&family, p, sizeof(family));
  ep = Endpoint{};
  if (family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, p, sizeof(sin));  // sizeof(sockaddr_in) == sizeof(sockaddr)
    ep.family = AF_INET;
    ep.port = ntohs(sin.sin_port);
    std::memcpy(ep.addr.data(), &sin.sin_addr, 4);
    return Status::ok();
  }
  if (family == AF_INET6) {
    if (len < sizeof(sockaddr_in6)) return Status::malformed("IPv6 endpoint too short");
    sockaddr_in6 sin6;
    std::memcpy(&sin6, p, sizeof(sin6));
    ep.family = AF_INET6;
    ep.port = ntohs(sin6.sin6_port);
    ep.flowinfo = ntohl(sin6.sin6_flowinfo);
    std::memcpy(ep.addr.data(), &sin6.sin6_addr, 16);
    ep.scope_id = sin6.sin6_scope_id;
    return Status::ok();
  }
  if (family == AF_UNSPEC) return Status::ok();
  return Status::malformed("endpoint family " + std::to_string(family));
}

Status decode_key(const nlattr *attr, uint8_t *out, const char *what) {
  if (Status s = want_len(attr, kKeyLen, what); !s) return s;
  std::memcpy(out, mnl_attr_get_payload(attr), kKeyLen);
  return Status::ok();
}

Status decode_u32(const nlattr *attr, uint32_t &out, const char *what) {
  if (Status s = want_len(attr, 4, what); !s) return s;
  out = mnl_attr_get_u32(attr);
  return Status::ok();
}

Status decode_u64(const nlattr *attr, uint64_t &out, const char *what) {
  if (Status s = want_len(attr, 8, what); !s) return s;
  out = mnl_attr_get_u64(attr);
  return Status::ok();
}

Status decode_peer(const nlattr *nest, Peer &p) {
  AttrTable<WGPEER_A_MAX> a;
  if (Status s = a.parse_nested(nest); !s) return s;
  if (a[WGPEER_A_PUBLIC_KEY] == nullptr) return Status::malformed("peer without a public key");
  Status s = decode_key(a[WGPEER_A_PUBLIC_KEY], p.public_key.data(), "WGPEER_A_PUBLIC_KEY");
  if (s && a[WGPEER_A_PRESHARED_KEY] != nullptr) {
    s = decode_key(a[WGPEER_A_PRESHARED_KEY], p.preshared_key.data(), "WGPEER_A_PRESHARED_KEY");
    p.has |= Peer::kPresharedKey;
  }
  if (s && a[WGPEER_A_FLAGS] != nullptr) {
    s = decode_u32(a[WGPEER_A_FLAGS], p.flags, "WGPEER_A_FLAGS");
    p.has |= Peer::kFlags;
  }
  if (s && a[WGPEER_A_ENDPOINT] != nullptr) {
    s = decode_endpoint(a[WGPEER_A_ENDPOINT], p.endpoint);
    p.has |= Peer::kEndpoint;
  }
  if (s && a[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] != nullptr) {
    s = want_len(a[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL], 2, "WGPEER_A_PERSISTENT_KEEPALIVE");
    if (s) p.keepalive_s = mnl_attr_get_u16(a[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
    p.has |= Peer::kKeepalive;
  }
  if (s && a[WGPEER_A_LAST_HANDSHAKE_TIME] != nullptr) {
    s = want_len(a[WGPEER_A_LAST_HANDSHAKE_TIME], 16, "WGPEER_A_LAST_HANDSHAKE_TIME");
    if (s) {
      const auto *t = static_cast<const uint8_t *>(mnl_attr_get_payload(a[WGPEER_A_LAST_HANDSHAKE_TIME]));
      std::memcpy(&p.last_handshake_sec, t, 8);  // struct __kernel_timespec
      std::memcpy(&p.last_handshake_nsec, t + 8, 8);
    }
    p.has |= Peer::kLastHandshake;
  }
  if (s && a[WGPEER_A_RX_BYTES] != nullptr) {
    s = decode_u64(a[WGPEER_A_RX_BYTES], p.rx_bytes, "WGPEER_A_RX_BYTES");
    p.has |= Peer::kRxBytes;
  }
  if (s && a[WGPEER_A_TX_BYTES] != nullptr) {
    s = decode_u64(a[WGPEER_A_TX_BYTES], p.tx_bytes, "WGPEER_A_TX_BYTES");
    p.has |= Peer::kTxBytes;
  }
  if (s && a[WGPEER_A_PROTOCOL_VERSION] != nullptr) {
    s = decode_u32(a[WGPEER_A_PROTOCOL_VERSION], p.protocol_version, "WGPEER_A_PROTOCOL_VERSION");
    p.has |= Peer::kProtocolVersion;
  }
  if (s && a[WGPEER_A_ALLOWEDIPS] != nullptr) {
    s = for_each_nested(a[WGPEER_A_ALLOWEDIPS], [&p](const nlattr *ip_nest) {
      IpPrefix ip;
      Status st = decode_allowed_ip(ip_nest, ip);
      if (st) p.allowed_ips.push_back(ip);
      return st;
    });
  }
  return s;
}

// A continuation's fields (normally just allowed IPs) folded into its first part.
void merge_peer(Peer &into, Peer &&more) {
  if ((more.has & Peer::kPresharedKey) != 0) into.preshared_key = more.preshared_key;
  if ((more.has & Peer::kFlags) != 0) into.flags = more.flags;
  if ((more.has & Peer::kEndpoint) != 0) into.endpoint = more.endpoint;
  if ((more.has & Peer::kKeepalive) != 0) into.keepalive_s = more.keepalive_s;
  if ((more.has & Peer::kLastHandshake) != 0) {
    into.last_handshake_sec = more.last_handshake_sec;
    into.last_handshake_nsec = more.last_handshake_nsec;
  }
  if ((more.has & Peer::kRxBytes) != 0) into.rx_bytes = more.rx_bytes;
  if ((more.has & Peer::kTxBytes) != 0) into.tx_bytes = more.tx_bytes;
  if ((more.has & Peer::kProtocolVersion) != 0) into.protocol_version = more.protocol_version;
  into.has |= more.has;
  into.allowed_ips.insert(into.allowed_ips.end(), more.allowed_ips.begin(), more.allowed_ips.end());
}

}  // namespace

Status DeviceDecoder::consume(std::span<const uint8_t> message) {
  std::span<const uint8_t> payload;
  if (Status s = payload_after(message, GENL_HDRLEN, payload); !s) return s;
  genlmsghdr g;
  std::memcpy(&g, message.data() + MNL_NLMSG_HDRLEN, sizeof(g));
  if (g.cmd != WG_CMD_GET_DEVICE && g.cmd != WG_CMD_SET_DEVICE) {
    return Status::malformed("generic netlink command " + std::to_string(g.cmd) +
                             " is not a WireGuard device message");
  }
  AttrTable<WGDEVICE_A_MAX> a;
  if (Status s = a.parse(payload.data(), payload.size()); !s) return s;

  Device part;  // this message alone; committed only when all of it parsed
  Status s = Status::ok();
  if (a[WGDEVICE_A_IFINDEX] != nullptr) {
    s = decode_u32(a[WGDEVICE_A_IFINDEX], part.ifindex, "WGDEVICE_A_IFINDEX");
    part.has |= Device::kIfindex;
  }
  if (s && a[WGDEVICE_A_IFNAME] != nullptr) {
    const nlattr *n = a[WGDEVICE_A_IFNAME];
    const char *text = static_cast<const char *>(mnl_attr_get_payload(n));
    const size_t len = strnlen(text, mnl_attr_get_payload_len(n));
    if (len == mnl_attr_get_payload_len(n) || len >= IFNAMSIZ) {
      s = Status::malformed("WGDEVICE_A_IFNAME is not a NUL-terminated interface name");
    }
    part.ifname.assign(text, len);
    part.has |= Device::kIfname;
  }
  if (s && a[WGDEVICE_A_PRIVATE_KEY] != nullptr) {
    s = decode_key(a[WGDEVICE_A_PRIVATE_KEY], part.private_key.data(), "WGDEVICE_A_PRIVATE_KEY");
    part.has |= Device::kPrivateKey;
  }
  if (s && a[WGDEVICE_A_PUBLIC_KEY] != nullptr) {
    s = decode_key(a[WGDEVICE_A_PUBLIC_KEY], part.public_key.data(), "WGDEVICE_A_PUBLIC_KEY");
    part.has |= Device::kPublicKey;
  }
  if (s && a[WGDEVICE_A_LISTEN_PORT] != nullptr) {
    s = want_len(a[WGDEVICE_A_LISTEN_PORT], 2, "WGDEVICE_A_LISTEN_PORT");
    if (s) part.listen_port = mnl_attr_get_u16(a[WGDEVICE_A_LISTEN_PORT]);
    part.has |= Device::kListenPort;
  }
  if (s && a[WGDEVICE_A_FWMARK] != nullptr) {
    s = decode_u32(a[WGDEVICE_A_FWMARK], part.fwmark, "WGDEVICE_A_FWMARK");
    part.has |= Device::kFwmark;
  }
  if (s && a[WGDEVICE_A_FLAGS] != nullptr) {
    s = decode_u32(a[WGDEVICE_A_FLAGS], part.flags, "WGDEVICE_A_FLAGS");
    part.has |= Device::kFlags;
  }
  if (s && a[WGDEVICE_A_PEERS] != nullptr) {
    s = for_each_nested(a[WGDEVICE_A_PEERS], [&part](const nlattr *peer_nest) {
      Peer p;
      Status st = decode_peer(peer_nest, p);
      if (st) part.peers.push_back(std::move(p));
      return st;
    });
  }
  if (!s) return s;

  // Commit: device fields present in this message win; peers append, the
  // first one merging into the last one so far when it continues it.
  if (dev_.has != 0 && (part.has & Device::kIfname) != 0 && (dev_.has & Device::kIfname) != 0 &&
      part.ifname != dev_.ifname) {
    return Status::malformed("message for device \"" + part.ifname + "\" inside a dump of \"" +
                             dev_.ifname + "\"");
  }
  if ((part.has & Device::kIfindex) != 0) dev_.ifindex = part.ifindex;
  if ((part.has & Device::kIfname) != 0) dev_.ifname = part.ifname;
  if ((part.has & Device::kPrivateKey) != 0) dev_.private_key = part.private_key;
  if ((part.has & Device::kPublicKey) != 0) dev_.public_key = part.public_key;
  if ((part.has & Device::kListenPort) != 0) dev_.listen_port = part.listen_port;
  if ((part.has & Device::kFwmark) != 0) dev_.fwmark = part.fwmark;
  if ((part.has & Device::kFlags) != 0) dev_.flags = part.flags;
  dev_.has |= part.has;
  size_t i = 0;
  if (!part.peers.empty() && !dev_.peers.empty() &&
      dev_.peers.back().public_key == part.peers.front().public_key) {
    merge_peer(dev_.peers.back(), std::move(part.peers.front()));
    i = 1;
  }
  for (; i < part.peers.size(); ++i) dev_.peers.push_back(std::move(part.peers[i]));
  ++messages_;
  return Status::ok();
}

}  // namespace trellis::tunnel_kernel
