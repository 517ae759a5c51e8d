// SPDX-License-Identifier: Apache-2.0
// The little of IPv4/IPv6 headers the data plane needs: version, source and
// destination addresses (for allowed-IPs routing and source filtering) and the
// total length (to strip WireGuard's padding from decrypted packets). Reads
// only inside the span, and refuses headers that claim more than it holds.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace trellis::wg {

// An IPv4 or IPv6 prefix; address bits past `cidr` are zero once normalised.
struct IpPrefix {
  uint8_t family = 4;  // 4 or 6
  uint8_t cidr = 0;
  std::array<uint8_t, 16> addr{};  // network order; IPv4 in the first 4 bytes

  bool operator==(const IpPrefix &o) const = default;
  size_t bits() const { return family == 4 ? 32 : 128; }
  bool valid() const { return (family == 4 || family == 6) && cidr <= bits(); }
  // Clear host bits.
  IpPrefix normalized() const;
  // "100.64.0.0/10", "2001:db8::/32"; parse returns nullopt for bad text.
  std::string to_string() const;
  static std::optional<IpPrefix> parse(const std::string &text);
};

struct IpHeader {
  uint8_t version = 0;      // 4 or 6
  size_t total_len = 0;     // from the header, <= the span's size
  const uint8_t *src = nullptr;  // 4 or 16 bytes inside the packet
  const uint8_t *dst = nullptr;
};

// nullopt if the packet is not a well-formed IPv4/IPv6 header within `pkt`.
std::optional<IpHeader> parse_ip_header(std::span<const uint8_t> pkt);

}  // namespace trellis::wg
