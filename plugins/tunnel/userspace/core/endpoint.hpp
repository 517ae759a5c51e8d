// SPDX-License-Identifier: Apache-2.0
// Where a WireGuard datagram came from or goes to: a UDP address (IPv4 or
// IPv6 and port) or a transport packet path the host handed the tunnel (ICE or
// TURN, identified by an opaque id the I/O layer assigns). Roaming makes a
// peer's endpoint follow the source of its last authenticated packet, so both
// kinds are interchangeable here. Also gives the bytes cookies are bound to
// (address and port, or the path id) and the rate limiter's key (an IPv4
// address, an IPv6 /64, or the path id).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace trellis::wg {

struct Endpoint {
  enum class Kind : uint8_t { none = 0, ipv4 = 4, ipv6 = 6, path = 8 };

  Kind kind = Kind::none;
  uint16_t port = 0;                  // host order; udp only
  std::array<uint8_t, 16> addr{};     // network order; IPv4 in the first 4 bytes
  uint64_t path_id = 0;               // path only

  static Endpoint udp4(std::array<uint8_t, 4> a, uint16_t port);
  static Endpoint udp6(const std::array<uint8_t, 16> &a, uint16_t port);
  static Endpoint path(uint64_t id);

  bool empty() const { return kind == Kind::none; }
  bool operator==(const Endpoint &o) const;
  bool operator!=(const Endpoint &o) const { return !(*this == o); }

  // Bytes a cookie is bound to: address || port (big-endian), or the path id.
  // Returns the number of bytes written (at most 18).
  size_t cookie_source(std::span<uint8_t, 18> out) const;
  // Rate-limiter key: kind, IPv4 address, IPv6 /64 prefix, or path id.
  std::array<uint8_t, 9> rate_limit_key() const;

  // "203.0.113.1:51820", "[2001:db8::1]:51820", "path:7" (for tests and logs).
  std::string to_string() const;
};

}  // namespace trellis::wg
