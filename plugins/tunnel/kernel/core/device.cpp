// SPDX-License-Identifier: Apache-2.0
// Helpers of the device model: prefix validation, masking and text forms.
#include "core/device.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

namespace trellis::tunnel_kernel {

bool is_valid(const IpPrefix &prefix) {
  if (prefix.family == AF_INET) return prefix.prefix_len <= 32;
  if (prefix.family == AF_INET6) return prefix.prefix_len <= 128;
  return false;
}

IpPrefix masked(const IpPrefix &prefix) {
  IpPrefix out = prefix;
  const size_t len = prefix.family == AF_INET ? 4 : 16;
  for (size_t i = 0; i < out.addr.size(); ++i) {
    const size_t bit = i * 8;
    if (i >= len || bit >= prefix.prefix_len) {
      out.addr[i] = 0;
    } else if (bit + 8 > prefix.prefix_len) {
      out.addr[i] &= static_cast<uint8_t>(0xff00u >> (prefix.prefix_len - bit));
    }
  }
  return out;
}

static std::string address_text(uint16_t family, const std::array<uint8_t, 16> &addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family != AF_INET && family != AF_INET6) return "?";
  if (inet_ntop(family, addr.data(), buf, sizeof(buf)) == nullptr) return "?";
  return buf;
}

std::string to_string(const IpPrefix &prefix) {
  return address_text(prefix.family, prefix.addr) + "/" + std::to_string(prefix.prefix_len);
}

std::string to_string(const Endpoint &endpoint) {
  if (endpoint.family == AF_INET) {
    return address_text(AF_INET, endpoint.addr) + ":" + std::to_string(endpoint.port);
  }
  if (endpoint.family == AF_INET6) {
    std::string s = "[" + address_text(AF_INET6, endpoint.addr);
    if (endpoint.scope_id != 0) s += "%" + std::to_string(endpoint.scope_id);
    return s + "]:" + std::to_string(endpoint.port);
  }
  return "(none)";
}

}  // namespace trellis::tunnel_kernel
