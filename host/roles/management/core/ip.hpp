// SPDX-License-Identifier: Apache-2.0
// IPv4 addresses and prefixes as the management core uses them: overlay
// addresses (100.64.0.0/10), routed networks and nameserver addresses. Values
// are host-order integers; parsing is strict (dotted quad, no leading zeros, a
// prefix must have its host bits clear) so API input has one spelling only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trellis::mgmt {

struct Ipv4 {
  uint32_t value = 0;
  friend bool operator==(Ipv4, Ipv4) = default;
  friend auto operator<=>(Ipv4, Ipv4) = default;
};

struct Prefix4 {
  Ipv4 address;      // host bits are zero
  uint8_t length = 0;  // 0..32
  friend bool operator==(const Prefix4 &, const Prefix4 &) = default;
  friend auto operator<=>(const Prefix4 &, const Prefix4 &) = default;

  uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  bool contains(Ipv4 ip) const { return (ip.value & mask()) == address.value; }
  // True when every address of `inner` lies inside this prefix.
  bool contains(const Prefix4 &inner) const {
    return inner.length >= length && contains(inner.address);
  }
  uint64_t size() const { return uint64_t{1} << (32 - length); }
};

// The shared address space (RFC 6598) every overlay network lives in.
inline constexpr Prefix4 kOverlaySpace{Ipv4{0x64400000u}, 10};

std::optional<Ipv4> parse_ipv4(std::string_view text);
// "a.b.c.d/len"; nullopt when malformed or when host bits are set.
std::optional<Prefix4> parse_prefix4(std::string_view text);
std::string format(Ipv4 ip);
std::string format(const Prefix4 &prefix);
// Appends the dotted quad to `out` (no allocation beyond growth of `out`).
void append_ipv4(std::string &out, Ipv4 ip);

}  // namespace trellis::mgmt
