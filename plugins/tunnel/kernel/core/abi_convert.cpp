// SPDX-License-Identifier: Apache-2.0
// ABI value types <-> netlink device model.
#include "core/abi_convert.hpp"

#include <linux/wireguard.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

namespace trellis::tunnel_kernel {

Status prefix_from_abi(const trellis_ip_prefix &in, IpPrefix &out) {
  IpPrefix p;
  if (in.family == 4) {
    p.family = AF_INET;
    std::memcpy(p.addr.data(), in.addr, 4);
  } else if (in.family == 6) {
    p.family = AF_INET6;
    std::memcpy(p.addr.data(), in.addr, 16);
  } else {
    return Status::invalid("prefix family must be 4 or 6, not " + std::to_string(in.family));
  }
  p.prefix_len = in.prefix_len;
  if (!is_valid(p)) {
    return Status::invalid("prefix length " + std::to_string(in.prefix_len) + " is too long for IPv" +
                           std::to_string(in.family));
  }
  out = p;
  return Status::ok();
}

Status prefixes_from_abi(const trellis_ip_prefix *in, size_t count, std::vector<IpPrefix> &out) {
  if (in == nullptr && count != 0) return Status::invalid("prefix list is NULL");
  std::vector<IpPrefix> v;
  v.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    IpPrefix p;
    if (Status s = prefix_from_abi(in[i], p); !s) return s;
    v.push_back(p);
  }
  out = std::move(v);
  return Status::ok();
}

Status endpoint_from_abi(const trellis_endpoint &in, Endpoint &out) {
  Endpoint e;
  if (in.family == 4) {
    e.family = AF_INET;
    std::memcpy(e.addr.data(), in.addr, 4);
  } else if (in.family == 6) {
    e.family = AF_INET6;
    std::memcpy(e.addr.data(), in.addr, 16);
  } else {
    return Status::invalid("endpoint family must be 4 or 6, not " + std::to_string(in.family));
  }
  if (in.port == 0) return Status::invalid("endpoint port 0");
  e.port = in.port;
  out = e;
  return Status::ok();
}

trellis_endpoint endpoint_to_abi(const Endpoint &in) {
  trellis_endpoint e{};
  if (in.family == AF_INET) {
    e.family = 4;
    std::memcpy(e.addr, in.addr.data(), 4);
  } else if (in.family == AF_INET6) {
    e.family = 6;
    std::memcpy(e.addr, in.addr.data(), 16);
  } else {
    return e;
  }
  e.port = in.port;
  return e;
}

void settings_from_abi(const trellis_tunnel_interface &in, Device &dev) {
  if ((in.flags & TRELLIS_IF_HAS_PRIVATE_KEY) != 0) {
    dev.private_key = SecretKey(in.private_key);
    dev.has |= Device::kPrivateKey;
  }
  if ((in.flags & TRELLIS_IF_HAS_LISTEN_PORT) != 0) {
    dev.listen_port = in.listen_port;
    dev.has |= Device::kListenPort;
  }
  if ((in.flags & TRELLIS_IF_HAS_FWMARK) != 0) {
    dev.fwmark = in.fwmark;
    dev.has |= Device::kFwmark;
  }
}

Status peer_from_abi(const trellis_tunnel_peer &in, Peer &out) {
  Peer p;
  std::memcpy(p.public_key.data(), in.public_key, kKeyLen);
  if ((in.flags & TRELLIS_PEER_HAS_PRESHARED_KEY) != 0) {
    p.preshared_key = SecretKey(in.preshared_key);
    p.has |= Peer::kPresharedKey;
  }
  if ((in.flags & TRELLIS_PEER_HAS_ENDPOINT) != 0) {
    if (Status s = endpoint_from_abi(in.endpoint, p.endpoint); !s) return s;
    p.has |= Peer::kEndpoint;
  }
  if ((in.flags & TRELLIS_PEER_HAS_KEEPALIVE) != 0) {
    p.keepalive_s = in.persistent_keepalive_s;
    p.has |= Peer::kKeepalive;
  }
  if ((in.flags & TRELLIS_PEER_REPLACE_ALLOWED_IPS) != 0) {
    p.flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
    p.has |= Peer::kFlags;
  }
  if (Status s = prefixes_from_abi(in.allowed_ips, in.allowed_ip_count, p.allowed_ips); !s) {
    return Status::invalid("allowed IP: " + s.message());
  }
  out = std::move(p);
  return Status::ok();
}

trellis_tunnel_peer_stats stats_to_abi(const Peer &in) {
  trellis_tunnel_peer_stats s{};
  s.struct_size = sizeof(s);
  std::memcpy(s.public_key, in.public_key.data(), kKeyLen);
  s.endpoint = endpoint_to_abi(in.endpoint);
  s.last_handshake_unix_ns = in.last_handshake_sec * 1'000'000'000 + in.last_handshake_nsec;
  s.rx_bytes = in.rx_bytes;
  s.tx_bytes = in.tx_bytes;
  s.persistent_keepalive_s = in.keepalive_s;
  return s;
}

PeerSample sample_of(const Peer &in) {
  PeerSample s;
  s.public_key = in.public_key;
  s.endpoint = in.endpoint;
  s.last_handshake_unix_ns = in.last_handshake_sec * 1'000'000'000 + in.last_handshake_nsec;
  s.tx_bytes = in.tx_bytes;
  return s;
}

trellis_tunnel_event event_to_abi(const TunnelEvent &in) {
  trellis_tunnel_event e{};
  e.struct_size = sizeof(e);
  switch (in.type) {
    case TunnelEvent::Type::kHandshake:
      e.type = TRELLIS_TUNNEL_EV_HANDSHAKE;
      break;
    case TunnelEvent::Type::kEndpointChanged:
      e.type = TRELLIS_TUNNEL_EV_ENDPOINT_CHANGED;
      break;
    case TunnelEvent::Type::kPeerStale:
      e.type = TRELLIS_TUNNEL_EV_PEER_STALE;
      break;
    case TunnelEvent::Type::kDown:
      e.type = TRELLIS_TUNNEL_EV_DOWN;
      break;
  }
  std::memcpy(e.public_key, in.public_key.data(), kKeyLen);
  e.endpoint = endpoint_to_abi(in.endpoint);
  return e;
}

}  // namespace trellis::tunnel_kernel
