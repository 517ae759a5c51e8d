// SPDX-License-Identifier: Apache-2.0
// IP header parsing and prefix helpers.
#include "core/ip_packet.hpp"

#include <arpa/inet.h>

namespace trellis::wg {

IpPrefix IpPrefix::normalized() const {
  IpPrefix p = *this;
  const size_t nbits = bits();
  for (size_t i = 0; i < 16; ++i) {
    const size_t first = i * 8;
    if (first >= nbits || first >= cidr) {
      p.addr[i] = 0;
    } else if (first + 8 > cidr) {
      p.addr[i] &= static_cast<uint8_t>(0xff << (8 - (cidr - first)));
    }
  }
  return p;
}

std::string IpPrefix::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr.data(), buf, sizeof(buf));
  return std::string(buf) + "/" + std::to_string(cidr);
}

std::optional<IpPrefix> IpPrefix::parse(const std::string &text) {
  const auto slash = text.find('/');
  const std::string host = text.substr(0, slash);
  IpPrefix p;
  if (inet_pton(AF_INET, host.c_str(), p.addr.data()) == 1) {
    p.family = 4;
  } else if (inet_pton(AF_INET6, host.c_str(), p.addr.data()) == 1) {
    p.family = 6;
  } else {
    return std::nullopt;
  }
  p.cidr = static_cast<uint8_t>(p.bits());
  if (slash != std::string::npos) {
    const std::string len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    const unsigned long v = std::stoul(len);
    if (v > p.bits()) return std::nullopt;
    p.cidr = static_cast<uint8_t>(v);
  }
  return p.normalized();
}

std::optional<IpHeader> parse_ip_header(std::span<const uint8_t> pkt) {
  if (pkt.empty()) return std::nullopt;
  IpHeader h;
  h.version = pkt[0] >> 4;
  if (h.version == 4) {
    if (pkt.size() < 20) return std::nullopt;
    const size_t ihl = static_cast<size_t>(pkt[0] & 0x0f) * 4;
    h.total_len = static_cast<size_t>(pkt[2]) << 8 | pkt[3];
    if (ihl < 20 || h.total_len < ihl || h.total_len > pkt.size()) return std::nullopt;
    h.src = pkt.data() + 12;
    h.dst = pkt.data() + 16;
    return h;
  }
  if (h.version == 6) {
    if (pkt.size() < 40) return std::nullopt;
    h.total_len = 40 + (static_cast<size_t>(pkt[4]) << 8 | pkt[5]);
    if (h.total_len > pkt.size()) return std::nullopt;
    h.src = pkt.data() + 8;
    h.dst = pkt.data() + 24;
    return h;
  }
  return std::nullopt;
}

}  // namespace trellis::wg
