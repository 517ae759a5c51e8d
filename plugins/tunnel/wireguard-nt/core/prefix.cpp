// SPDX-License-Identifier: Apache-2.0
// Prefix validation, canonical form, text and set difference (see prefix.hpp).
#include "core/prefix.hpp"

#include <algorithm>
#include <cstdio>

#include <trellis/plugin.hpp>

namespace trellis::wgnt {
namespace {

size_t addr_len(uint8_t family) { return family == 4 ? 4 : 16; }

std::string ipv4_text(const uint8_t *a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
  return buf;
}

// RFC 5952 §4: lowercase, no leading zeros, the longest run (first on a tie)
// of two or more zero groups becomes "::".
std::string ipv6_text(const uint8_t *a) {
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

std::string addr_text(uint8_t family, const std::array<uint8_t, 16> &addr) {
  return family == 4 ? ipv4_text(addr.data()) : ipv6_text(addr.data());
}

[[noreturn]] void invalid(const char *what, const std::string &why) {
  throw sdk::Error(TRELLIS_E_INVALID, std::string(what) + ": " + why);
}

}  // namespace

void validate_prefix(const IpPrefix &p, const char *what) {
  if (p.family != 4 && p.family != 6)
    invalid(what, "address family " + std::to_string(p.family) + " (want 4 or 6)");
  const unsigned max_len = p.family == 4 ? 32 : 128;
  if (p.prefix_len > max_len)
    invalid(what, "prefix length " + std::to_string(p.prefix_len) + " exceeds " +
                      std::to_string(max_len));
  for (size_t i = addr_len(p.family); i < p.addr.size(); ++i)
    if (p.addr[i] != 0) invalid(what, "IPv4 prefix with bytes set past the fourth");
}

void validate_endpoint(const Endpoint &e, const char *what) {
  if (e.family != 4 && e.family != 6)
    invalid(what, "endpoint family " + std::to_string(e.family) + " (want 4 or 6)");
  if (e.port == 0) invalid(what, "endpoint port 0");
  for (size_t i = addr_len(e.family); i < e.addr.size(); ++i)
    if (e.addr[i] != 0) invalid(what, "IPv4 endpoint with bytes set past the fourth");
}

IpPrefix canonical(const IpPrefix &p) {
  IpPrefix out = p;
  const size_t n = addr_len(p.family);
  for (size_t i = 0; i < out.addr.size(); ++i) {
    const int bits_here = static_cast<int>(p.prefix_len) - static_cast<int>(8 * i);
    if (i >= n || bits_here <= 0)
      out.addr[i] = 0;
    else if (bits_here < 8)
      out.addr[i] &= static_cast<uint8_t>(0xff00u >> bits_here);
  }
  return out;
}

bool is_link_local(const IpPrefix &p) {
  if (p.family == 4) return p.addr[0] == 169 && p.addr[1] == 254;
  return p.family == 6 && p.addr[0] == 0xfe && (p.addr[1] & 0xc0) == 0x80;
}

std::string to_string(const IpPrefix &p) {
  if (p.family != 4 && p.family != 6) return "<family " + std::to_string(p.family) + ">";
  return addr_text(p.family, p.addr) + "/" + std::to_string(p.prefix_len);
}

std::string to_string(const Endpoint &e) {
  if (e.family == 4) return addr_text(4, e.addr) + ":" + std::to_string(e.port);
  if (e.family == 6) return "[" + addr_text(6, e.addr) + "]:" + std::to_string(e.port);
  return "<none>";
}

PrefixDiff diff_prefixes(std::vector<IpPrefix> current, std::vector<IpPrefix> desired) {
  auto normalise = [](std::vector<IpPrefix> &v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  normalise(current);
  normalise(desired);
  PrefixDiff d;
  std::set_difference(current.begin(), current.end(), desired.begin(), desired.end(),
                      std::back_inserter(d.remove));
  std::set_difference(desired.begin(), desired.end(), current.begin(), current.end(),
                      std::back_inserter(d.add));
  return d;
}

}  // namespace trellis::wgnt
