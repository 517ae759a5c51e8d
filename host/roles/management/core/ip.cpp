// SPDX-License-Identifier: Apache-2.0
// Strict IPv4 and prefix parsing and formatting (see ip.hpp).
#include "ip.hpp"

#include <charconv>

namespace trellis::mgmt {

std::optional<Ipv4> parse_ipv4(std::string_view text) {
  uint32_t value = 0;
  size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    size_t start = pos;
    unsigned octet = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
      octet = octet * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
    }
    size_t digits = pos - start;
    if (digits == 0 || octet > 255) return std::nullopt;
    if (digits > 1 && text[start] == '0') return std::nullopt;  // no octal look-alikes
    value = (value << 8) | octet;
  }
  if (pos != text.size()) return std::nullopt;
  return Ipv4{value};
}

std::optional<Prefix4> parse_prefix4(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parse_ipv4(text.substr(0, slash));
  if (!ip) return std::nullopt;
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 2 || (len_text.size() == 2 && len_text[0] == '0')) {
    return std::nullopt;
  }
  unsigned len = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || end != len_text.data() + len_text.size() || len > 32) {
    return std::nullopt;
  }
  Prefix4 prefix{*ip, static_cast<uint8_t>(len)};
  if ((ip->value & ~prefix.mask()) != 0) return std::nullopt;
  return prefix;
}

void append_ipv4(std::string &out, Ipv4 ip) {
  char buf[16];
  char *p = buf;
  for (int shift = 24; shift >= 0; shift -= 8) {
    p = std::to_chars(p, buf + sizeof buf, (ip.value >> shift) & 0xffu).ptr;
    if (shift > 0) *p++ = '.';
  }
  out.append(buf, p);
}

std::string format(Ipv4 ip) {
  std::string out;
  append_ipv4(out, ip);
  return out;
}

std::string format(const Prefix4 &prefix) {
  std::string out;
  append_ipv4(out, prefix.address);
  out += '/';
  out += std::to_string(prefix.length);
  return out;
}

}  // namespace trellis::mgmt
