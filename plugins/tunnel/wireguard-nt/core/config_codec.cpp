// SPDX-License-Identifier: Apache-2.0
// The configuration codec (see config_codec.hpp).
#include "core/config_codec.hpp"

#include <cstring>
#include <limits>
#include <string>

#include <trellis/plugin.hpp>

#include "core/prefix.hpp"

namespace trellis::wgnt {
namespace {

template <typename T>
void store(uint8_t *base, size_t off, T v) {
  std::memcpy(base + off, &v, sizeof v);
}
template <typename T>
T load(const uint8_t *base, size_t off) {
  T v;
  std::memcpy(&v, base + off, sizeof v);
  return v;
}

uint16_t nt_family(uint8_t family) { return family == 4 ? kAfInet : kAfInet6; }

[[noreturn]] void malformed(const std::string &why) {
  throw sdk::Error(TRELLIS_E_IO, "malformed configuration from wireguard-nt: " + why);
}

void encode_allowed_ip(uint8_t *rec, const AllowedIp &a) {
  validate_prefix(a.prefix, "allowed IP");
  std::memcpy(rec + offsetof(NtAllowedIp, address), a.prefix.addr.data(),
              a.prefix.family == 4 ? 4 : 16);
  store<uint16_t>(rec, offsetof(NtAllowedIp, address_family), nt_family(a.prefix.family));
  store<uint8_t>(rec, offsetof(NtAllowedIp, cidr), a.prefix.prefix_len);
  store<uint32_t>(rec, offsetof(NtAllowedIp, flags), a.remove ? kAllowedIpRemove : 0u);
}

// Returns the record's size including its allowed IPs.
size_t encode_peer(uint8_t *rec, const PeerUpdate &p) {
  uint32_t flags = kPeerHasPublicKey;
  std::memcpy(rec + offsetof(NtPeer, public_key), p.public_key.data(), kKeyLen);
  if (p.remove) {
    store<uint32_t>(rec, offsetof(NtPeer, flags), flags | kPeerRemove);
    return sizeof(NtPeer);
  }
  if (p.update_only) flags |= kPeerUpdateOnly;
  if (p.replace_allowed_ips) flags |= kPeerReplaceAllowedIps;
  if (p.preshared_key) {
    flags |= kPeerHasPresharedKey;
    std::memcpy(rec + offsetof(NtPeer, preshared_key), p.preshared_key->data(), kKeyLen);
  }
  if (p.persistent_keepalive_s) {
    flags |= kPeerHasPersistentKeepalive;
    store<uint16_t>(rec, offsetof(NtPeer, persistent_keepalive), *p.persistent_keepalive_s);
  }
  if (p.endpoint) {
    validate_endpoint(*p.endpoint, "peer endpoint");
    flags |= kPeerHasEndpoint;
    encode_sockaddr_inet(*p.endpoint, rec + offsetof(NtPeer, endpoint));
  }
  store<uint32_t>(rec, offsetof(NtPeer, flags), flags);
  store<uint32_t>(rec, offsetof(NtPeer, allowed_ips_count),
                  static_cast<uint32_t>(p.allowed_ips.size()));
  uint8_t *ip = rec + sizeof(NtPeer);
  for (const auto &a : p.allowed_ips) {
    encode_allowed_ip(ip, a);
    ip += sizeof(NtAllowedIp);
  }
  return static_cast<size_t>(ip - rec);
}

IpPrefix decode_allowed_ip(const uint8_t *rec) {
  IpPrefix p;
  const auto family = load<uint16_t>(rec, offsetof(NtAllowedIp, address_family));
  if (family == kAfInet)
    p.family = 4;
  else if (family == kAfInet6)
    p.family = 6;
  else
    malformed("allowed IP with address family " + std::to_string(family));
  std::memcpy(p.addr.data(), rec + offsetof(NtAllowedIp, address), p.family == 4 ? 4 : 16);
  p.prefix_len = load<uint8_t>(rec, offsetof(NtAllowedIp, cidr));
  if (p.prefix_len > (p.family == 4 ? 32 : 128))
    malformed("allowed IP with prefix length " + std::to_string(p.prefix_len));
  return p;
}

}  // namespace

size_t encoded_size(std::span<const PeerUpdate> peers) {
  constexpr size_t kMax = std::numeric_limits<uint32_t>::max();  // a DWORD of bytes
  size_t total = sizeof(NtInterface);
  for (const auto &p : peers) {
    const size_t ips = p.remove ? 0 : p.allowed_ips.size();
    if (ips > (kMax - total - sizeof(NtPeer)) / sizeof(NtAllowedIp))
      throw sdk::Error(TRELLIS_E_INVALID, "configuration exceeds 4 GiB");
    total += sizeof(NtPeer) + ips * sizeof(NtAllowedIp);
  }
  return total;
}

WipedBuffer encode_configuration(const InterfaceUpdate &iface, std::span<const PeerUpdate> peers) {
  WipedBuffer buf(encoded_size(peers));
  uint8_t *base = buf.data();
  uint32_t flags = 0;
  if (iface.private_key) {
    flags |= kIfHasPrivateKey;
    std::memcpy(base + offsetof(NtInterface, private_key), iface.private_key->data(), kKeyLen);
  }
  if (iface.listen_port) {
    flags |= kIfHasListenPort;
    store<uint16_t>(base, offsetof(NtInterface, listen_port), *iface.listen_port);
  }
  if (iface.replace_peers) flags |= kIfReplacePeers;
  store<uint32_t>(base, offsetof(NtInterface, flags), flags);
  store<uint32_t>(base, offsetof(NtInterface, peers_count), static_cast<uint32_t>(peers.size()));

  size_t off = sizeof(NtInterface);
  for (const auto &p : peers) off += encode_peer(base + off, p);
  return buf;
}

InterfaceState decode_configuration(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(NtInterface))
    malformed(std::to_string(bytes.size()) + " bytes, less than an interface record");
  const uint8_t *base = bytes.data();
  InterfaceState st;
  const auto iflags = load<uint32_t>(base, offsetof(NtInterface, flags));
  if (iflags & kIfHasPublicKey) {
    PublicKey k;
    std::memcpy(k.data(), base + offsetof(NtInterface, public_key), kKeyLen);
    st.public_key = k;
  }
  if (iflags & kIfHasListenPort)
    st.listen_port = load<uint16_t>(base, offsetof(NtInterface, listen_port));
  const auto peers = load<uint32_t>(base, offsetof(NtInterface, peers_count));

  size_t off = sizeof(NtInterface);
  for (uint32_t i = 0; i < peers; ++i) {
    if (bytes.size() - off < sizeof(NtPeer))
      malformed("peer " + std::to_string(i) + " of " + std::to_string(peers) + " is truncated");
    const uint8_t *rec = base + off;
    const auto pflags = load<uint32_t>(rec, offsetof(NtPeer, flags));
    if (!(pflags & kPeerHasPublicKey)) malformed("peer " + std::to_string(i) + " has no public key");
    PeerState p;
    std::memcpy(p.public_key.data(), rec + offsetof(NtPeer, public_key), kKeyLen);
    p.has_preshared_key = (pflags & kPeerHasPresharedKey) != 0;
    if (pflags & kPeerHasPersistentKeepalive)
      p.persistent_keepalive_s = load<uint16_t>(rec, offsetof(NtPeer, persistent_keepalive));
    if (pflags & kPeerHasEndpoint) p.endpoint = decode_sockaddr_inet(rec + offsetof(NtPeer, endpoint));
    p.tx_bytes = load<uint64_t>(rec, offsetof(NtPeer, tx_bytes));
    p.rx_bytes = load<uint64_t>(rec, offsetof(NtPeer, rx_bytes));
    p.last_handshake_filetime = load<uint64_t>(rec, offsetof(NtPeer, last_handshake));
    const auto ips = load<uint32_t>(rec, offsetof(NtPeer, allowed_ips_count));
    off += sizeof(NtPeer);
    if ((bytes.size() - off) / sizeof(NtAllowedIp) < ips)
      malformed("peer " + std::to_string(i) + " claims " + std::to_string(ips) +
                " allowed IPs beyond the buffer");
    p.allowed_ips.reserve(ips);
    for (uint32_t j = 0; j < ips; ++j) {
      p.allowed_ips.push_back(decode_allowed_ip(base + off));
      off += sizeof(NtAllowedIp);
    }
    st.peers.push_back(std::move(p));
  }
  return st;
}

void encode_sockaddr_inet(const Endpoint &e, uint8_t out[kSockaddrInetLen]) {
  std::memset(out, 0, kSockaddrInetLen);
  store<uint16_t>(out, kSaFamily, nt_family(e.family));
  out[kSaPort] = static_cast<uint8_t>(e.port >> 8);
  out[kSaPort + 1] = static_cast<uint8_t>(e.port & 0xff);
  if (e.family == 4)
    std::memcpy(out + kSaV4Addr, e.addr.data(), 4);
  else
    std::memcpy(out + kSaV6Addr, e.addr.data(), 16);
}

std::optional<Endpoint> decode_sockaddr_inet(const uint8_t in[kSockaddrInetLen]) {
  Endpoint e;
  const auto family = load<uint16_t>(in, kSaFamily);
  if (family == kAfInet) {
    e.family = 4;
    std::memcpy(e.addr.data(), in + kSaV4Addr, 4);
  } else if (family == kAfInet6) {
    e.family = 6;
    std::memcpy(e.addr.data(), in + kSaV6Addr, 16);
  } else {
    return std::nullopt;
  }
  e.port = static_cast<uint16_t>(in[kSaPort] << 8 | in[kSaPort + 1]);
  return e;
}

}  // namespace trellis::wgnt
