// SPDX-License-Identifier: Apache-2.0
// ABI <-> model conversion (see abi_convert.hpp).
#include "core/abi_convert.hpp"

#include <cstdio>
#include <cstring>
#include <string>

#include <trellis/plugin.hpp>

#include "core/filetime.hpp"
#include "core/prefix.hpp"

namespace trellis::wgnt {
namespace {

constexpr uint32_t kKnownIfFlags = TRELLIS_IF_HAS_PRIVATE_KEY | TRELLIS_IF_HAS_LISTEN_PORT |
                                   TRELLIS_IF_HAS_MTU | TRELLIS_IF_HAS_FWMARK |
                                   TRELLIS_IF_HAS_ADDRESSES;
constexpr uint32_t kKnownPeerFlags = TRELLIS_PEER_HAS_PRESHARED_KEY | TRELLIS_PEER_HAS_ENDPOINT |
                                     TRELLIS_PEER_HAS_KEEPALIVE | TRELLIS_PEER_REPLACE_ALLOWED_IPS;

std::string hex32(uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "0x%x", static_cast<unsigned>(v));
  return buf;
}

// Wipes a local copy of an ABI struct that carried a key.
template <typename T>
struct WipeOnExit {
  T &v;
  ~WipeOnExit() { secure_wipe(&v, sizeof v); }
};

}  // namespace

InterfaceSettings interface_from_abi(const trellis_tunnel_interface *in) {
  if (in == nullptr) throw sdk::Error(TRELLIS_E_INVALID, "interface settings missing");
  trellis_tunnel_interface s = sdk::read_sized(in);
  WipeOnExit<trellis_tunnel_interface> wipe{s};
  if (s.flags & ~kKnownIfFlags)
    throw sdk::Error(TRELLIS_E_UNSUPPORTED, "unknown interface flags " + hex32(s.flags & ~kKnownIfFlags));
  InterfaceSettings out;
  if (s.flags & TRELLIS_IF_HAS_PRIVATE_KEY) out.wg.private_key = SecretKey(s.private_key);
  if (s.flags & TRELLIS_IF_HAS_LISTEN_PORT) out.wg.listen_port = s.listen_port;
  if (s.flags & TRELLIS_IF_HAS_MTU) {
    if (s.mtu < kMinMtu || s.mtu > kMaxMtu)
      throw sdk::Error(TRELLIS_E_INVALID, "MTU " + std::to_string(s.mtu) + " outside " +
                                              std::to_string(kMinMtu) + ".." + std::to_string(kMaxMtu));
    out.mtu = s.mtu;
  }
  if ((s.flags & TRELLIS_IF_HAS_FWMARK) && s.fwmark != 0)
    throw sdk::Error(TRELLIS_E_UNSUPPORTED, "fwmark is a Linux feature; wireguard-nt has none");
  if (s.flags & TRELLIS_IF_HAS_ADDRESSES)
    out.addresses = prefixes_from_abi(s.addresses, s.address_count, "interface address", false);
  return out;
}

PeerUpdate peer_from_abi(const trellis_tunnel_peer *in) {
  if (in == nullptr) throw sdk::Error(TRELLIS_E_INVALID, "peer missing");
  trellis_tunnel_peer s = sdk::read_sized(in);
  WipeOnExit<trellis_tunnel_peer> wipe{s};
  if (s.flags & ~kKnownPeerFlags)
    throw sdk::Error(TRELLIS_E_UNSUPPORTED, "unknown peer flags " + hex32(s.flags & ~kKnownPeerFlags));
  PeerUpdate p;
  p.public_key = key_from_abi(s.public_key);
  if (s.flags & TRELLIS_PEER_HAS_PRESHARED_KEY) p.preshared_key = SecretKey(s.preshared_key);
  // Family 0 ("none") leaves the endpoint as it is: the driver cannot unset one.
  if ((s.flags & TRELLIS_PEER_HAS_ENDPOINT) && s.endpoint.family != 0)
    p.endpoint = endpoint_from_abi(s.endpoint, "peer endpoint");
  if (s.flags & TRELLIS_PEER_HAS_KEEPALIVE) p.persistent_keepalive_s = s.persistent_keepalive_s;
  p.replace_allowed_ips = (s.flags & TRELLIS_PEER_REPLACE_ALLOWED_IPS) != 0;
  for (const auto &prefix : prefixes_from_abi(s.allowed_ips, s.allowed_ip_count, "allowed IP", true))
    p.allowed_ips.push_back(AllowedIp{prefix, false});
  return p;
}

PublicKey key_from_abi(const uint8_t *key) {
  if (key == nullptr) throw sdk::Error(TRELLIS_E_INVALID, "public key missing");
  PublicKey k;
  std::memcpy(k.data(), key, kKeyLen);
  return k;
}

IpPrefix prefix_from_abi(const trellis_ip_prefix &p, const char *what) {
  IpPrefix out;
  out.family = p.family;
  out.prefix_len = p.prefix_len;
  std::memcpy(out.addr.data(), p.addr, 16);
  validate_prefix(out, what);
  return out;
}

std::vector<IpPrefix> prefixes_from_abi(const trellis_ip_prefix *p, size_t count, const char *what,
                                        bool make_canonical) {
  if (count > 0 && p == nullptr)
    throw sdk::Error(TRELLIS_E_INVALID, std::string(what) + ": count " + std::to_string(count) +
                                            " with no array");
  std::vector<IpPrefix> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const IpPrefix v = prefix_from_abi(p[i], what);
    out.push_back(make_canonical ? canonical(v) : v);
  }
  return out;
}

Endpoint endpoint_from_abi(const trellis_endpoint &e, const char *what) {
  Endpoint out;
  out.family = e.family;
  out.port = e.port;
  std::memcpy(out.addr.data(), e.addr, 16);
  validate_endpoint(out, what);
  return out;
}

trellis_endpoint endpoint_to_abi(const std::optional<Endpoint> &e) {
  trellis_endpoint out;
  std::memset(&out, 0, sizeof out);
  if (e) {
    out.family = e->family;
    out.port = e->port;
    std::memcpy(out.addr, e->addr.data(), 16);
  }
  return out;
}

size_t stats_to_abi(const std::vector<PeerState> &peers, trellis_tunnel_peer_stats *out,
                    size_t capacity) {
  if (capacity == 0 || peers.empty()) return 0;
  if (out == nullptr) throw sdk::Error(TRELLIS_E_INVALID, "stats array missing");
  const size_t stride = out->struct_size != 0 ? out->struct_size : sizeof(trellis_tunnel_peer_stats);
  if (stride < sizeof(uint32_t))
    throw sdk::Error(TRELLIS_E_ABI, "stats struct_size " + std::to_string(stride) + " too small");
  const size_t n = peers.size() < capacity ? peers.size() : capacity;
  auto *base = reinterpret_cast<uint8_t *>(out);
  for (size_t i = 0; i < n; ++i) {
    const PeerState &p = peers[i];
    trellis_tunnel_peer_stats s;
    std::memset(&s, 0, sizeof s);
    s.struct_size = static_cast<uint32_t>(stride);
    std::memcpy(s.public_key, p.public_key.data(), kKeyLen);
    s.endpoint = endpoint_to_abi(p.endpoint);
    s.last_handshake_unix_ns = filetime_to_unix_ns(p.last_handshake_filetime);
    s.rx_bytes = p.rx_bytes;
    s.tx_bytes = p.tx_bytes;
    s.persistent_keepalive_s = p.persistent_keepalive_s;
    std::memcpy(base + i * stride, &s, stride < sizeof s ? stride : sizeof s);
  }
  return n;
}

}  // namespace trellis::wgnt
