// SPDX-License-Identifier: Apache-2.0
// Minimal append-only JSON text helpers for the compiler's hot paths, where
// building nlohmann::json values per peer would cost more than the compile
// itself. Output is compact JSON; keys appear in the order written.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "ip.hpp"

namespace trellis::mgmt::detail {

// A JSON string literal with the escapes RFC 8259 requires. Input is UTF-8
// (records are validated); bytes >= 0x80 pass through unchanged.
inline void append_json_string(std::string &out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

inline void append_uint(std::string &out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void append_ip_string(std::string &out, Ipv4 ip) {
  out += '"';
  append_ipv4(out, ip);
  out += '"';
}

inline void append_prefix_string(std::string &out, const Prefix4 &p) {
  out += '"';
  append_ipv4(out, p.address);
  out += '/';
  append_uint(out, p.length);
  out += '"';
}

// `"key":` after a comma when not first.
inline void append_key(std::string &out, std::string_view key, bool &first) {
  if (!first) out += ',';
  first = false;
  append_json_string(out, key);
  out += ':';
}

}  // namespace trellis::mgmt::detail
