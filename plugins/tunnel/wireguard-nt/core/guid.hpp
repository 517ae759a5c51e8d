// SPDX-License-Identifier: Apache-2.0
// The adapter GUID passed to WireGuardCreateAdapter. Windows keys its network
// location profile (NLA: "Public"/"Private", firewall profile) on it, so a
// random GUID per start would leave a new "Network N" profile behind every
// time. By default the GUID is derived from the pool and interface name: a
// UUIDv8 (RFC 9562 §5.8) whose 122 free bits are two FNV-1a-64 hashes of
// them. Stability is the only property needed; it is not a secret and not
// collision-resistant against an adversary. A configured "guid" overrides it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trellis::wgnt {

// Field for field the Windows GUID struct.
struct Guid {
  uint32_t data1 = 0;
  uint16_t data2 = 0;
  uint16_t data3 = 0;
  std::array<uint8_t, 8> data4{};

  bool operator==(const Guid &) const = default;
};

// "{01234567-89ab-cdef-0123-456789abcdef}" with or without braces, any case.
std::optional<Guid> parse_guid(std::string_view text);
// "{01234567-89AB-CDEF-0123-456789ABCDEF}", the registry's spelling.
std::string format_guid(const Guid &g);

Guid derive_adapter_guid(std::string_view pool, std::string_view ifname);

}  // namespace trellis::wgnt
