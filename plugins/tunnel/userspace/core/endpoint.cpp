// SPDX-License-Identifier: Apache-2.0
// Endpoint construction, comparison, cookie and rate-limit keys, formatting.
#include "core/endpoint.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace trellis::wg {

Endpoint Endpoint::udp4(std::array<uint8_t, 4> a, uint16_t port) {
  Endpoint e;
  e.kind = Kind::ipv4;
  e.port = port;
  std::memcpy(e.addr.data(), a.data(), 4);
  return e;
}

Endpoint Endpoint::udp6(const std::array<uint8_t, 16> &a, uint16_t port) {
  Endpoint e;
  e.kind = Kind::ipv6;
  e.port = port;
  e.addr = a;
  return e;
}

Endpoint Endpoint::path(uint64_t id) {
  Endpoint e;
  e.kind = Kind::path;
  e.path_id = id;
  return e;
}

bool Endpoint::operator==(const Endpoint &o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::none:
      return true;
    case Kind::ipv4:
      return port == o.port && std::memcmp(addr.data(), o.addr.data(), 4) == 0;
    case Kind::ipv6:
      return port == o.port && addr == o.addr;
    case Kind::path:
      return path_id == o.path_id;
  }
  return false;
}

size_t Endpoint::cookie_source(std::span<uint8_t, 18> out) const {
  size_t n = 0;
  switch (kind) {
    case Kind::ipv4:
      n = 4;
      break;
    case Kind::ipv6:
      n = 16;
      break;
    case Kind::path:
      for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(path_id >> (8 * i));
      return 8;
    case Kind::none:
      return 0;
  }
  std::memcpy(out.data(), addr.data(), n);
  out[n] = static_cast<uint8_t>(port >> 8);
  out[n + 1] = static_cast<uint8_t>(port);
  return n + 2;
}

std::array<uint8_t, 9> Endpoint::rate_limit_key() const {
  std::array<uint8_t, 9> k{};
  k[0] = static_cast<uint8_t>(kind);
  switch (kind) {
    case Kind::ipv4:
      std::memcpy(k.data() + 1, addr.data(), 4);
      break;
    case Kind::ipv6:
      std::memcpy(k.data() + 1, addr.data(), 8);
      break;
    case Kind::path:
      for (int i = 0; i < 8; ++i) k[1 + i] = static_cast<uint8_t>(path_id >> (8 * i));
      break;
    case Kind::none:
      break;
  }
  return k;
}

std::string Endpoint::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  switch (kind) {
    case Kind::ipv4:
      inet_ntop(AF_INET, addr.data(), buf, sizeof(buf));
      return std::string(buf) + ":" + std::to_string(port);
    case Kind::ipv6:
      inet_ntop(AF_INET6, addr.data(), buf, sizeof(buf));
      return "[" + std::string(buf) + "]:" + std::to_string(port);
    case Kind::path:
      return "path:" + std::to_string(path_id);
    case Kind::none:
      break;
  }
  return "(none)";
}

}  // namespace trellis::wg
