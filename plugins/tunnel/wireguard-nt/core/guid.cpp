// SPDX-License-Identifier: Apache-2.0
// Adapter GUIDs: text form and name-derived UUIDv8 (see guid.hpp).
#include "core/guid.hpp"

#include <cstdio>

namespace trellis::wgnt {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Guid from_bytes(const std::array<uint8_t, 16> &b) {
  Guid g;
  g.data1 = static_cast<uint32_t>(b[0]) << 24 | static_cast<uint32_t>(b[1]) << 16 |
            static_cast<uint32_t>(b[2]) << 8 | b[3];
  g.data2 = static_cast<uint16_t>(b[4] << 8 | b[5]);
  g.data3 = static_cast<uint16_t>(b[6] << 8 | b[7]);
  for (int i = 0; i < 8; ++i) g.data4[i] = b[8 + i];
  return g;
}

}  // namespace

std::optional<Guid> parse_guid(std::string_view t) {
  if (t.size() == 38 && t.front() == '{' && t.back() == '}') t = t.substr(1, 36);
  if (t.size() != 36) return std::nullopt;
  std::array<uint8_t, 16> b{};
  size_t n = 0;
  for (size_t i = 0; i < t.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (t[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = hex_value(t[i]), lo = hex_value(t[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    b[n++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return from_bytes(b);
}

std::string format_guid(const Guid &g) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                static_cast<unsigned>(g.data1), g.data2, g.data3, g.data4[0], g.data4[1],
                g.data4[2], g.data4[3], g.data4[4], g.data4[5], g.data4[6], g.data4[7]);
  return buf;
}

Guid derive_adapter_guid(std::string_view pool, std::string_view ifname) {
  // Length-prefixed fields, so ("ab","c") and ("a","bc") differ.
  std::string input = "trellis-wireguard-nt-adapter";
  for (std::string_view field : {pool, ifname}) {
    input += std::to_string(field.size());
    input += ':';
    input += field;
  }
  const uint64_t h1 = fnv1a(kFnvOffset, input);
  const uint64_t h2 = fnv1a(h1 ^ 0x5bd1e9955bd1e995ull, input);
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(h1 >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(h2 >> (56 - 8 * i));
  }
  b[6] = static_cast<uint8_t>(0x80 | (b[6] & 0x0f));  // version 8
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));  // variant 10xx
  return from_bytes(b);
}

}  // namespace trellis::wgnt
