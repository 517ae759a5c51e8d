// SPDX-License-Identifier: Apache-2.0
// Record builders shared by the management-core tests: deterministic WireGuard
// keys, peers with addresses from 100.64.0.0/10, groups, policies and routes of
// account "acme", and small helpers to look at a compiled PeerMap.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/compiler.hpp"
#include "core/netmap.hpp"
#include "core/records.hpp"

namespace fx {

using namespace trellis::mgmt;

inline const std::string kAccount = "acme";

// Standard base64 of 32 bytes derived from n: a valid WireGuard public key.
inline std::string key_for(uint64_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::array<uint8_t, 33> bytes{};  // one zero byte of padding for the last group
  uint64_t x = n * 0x9e3779b97f4a7c15ull + 1;
  for (size_t i = 0; i < 32; ++i) {
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    bytes[i] = static_cast<uint8_t>(x >> 56);
  }
  std::string out;
  for (size_t i = 0; i < 33; i += 3) {
    uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  out.resize(43);
  out += '=';
  return out;
}

// 100.64.0.0 + n (n >= 1).
inline std::string ip_for(uint32_t n) {
  uint32_t v = 0x64400000u + n;
  return std::to_string(v >> 24) + "." + std::to_string(v >> 16 & 255) + "." +
         std::to_string(v >> 8 & 255) + "." + std::to_string(v & 255);
}

inline Peer peer(const std::string &id, uint32_t n, std::vector<std::string> groups = {}) {
  Peer p;
  p.id = id;
  p.account = kAccount;
  p.public_key = key_for(n);
  p.ip = ip_for(n);
  p.name = id;
  p.dns_label = id;
  p.fqdn = id + "." + kAccount + ".trellis";
  p.groups = std::move(groups);
  p.online = true;
  p.meta.hostname = id;
  return p;
}

inline Group group(const std::string &id) {
  Group g;
  g.id = id;
  g.account = kAccount;
  g.name = id;
  return g;
}

inline Policy policy(const std::string &id, std::vector<std::string> src, std::vector<std::string> dst,
                     Protocol proto = Protocol::all, std::vector<PortRange> ports = {},
                     bool bidirectional = false, bool enabled = true) {
  Policy p;
  p.id = id;
  p.account = kAccount;
  p.name = id;
  p.sources = std::move(src);
  p.destinations = std::move(dst);
  p.protocol = proto;
  p.ports = std::move(ports);
  p.bidirectional = bidirectional;
  p.enabled = enabled;
  return p;
}

inline Route route_via_peer(const std::string &id, const std::string &network, const std::string &router,
                            std::vector<std::string> groups, int64_t metric = 100) {
  Route r;
  r.id = id;
  r.account = kAccount;
  r.network = network;
  r.peer = router;
  r.groups = std::move(groups);
  r.metric = metric;
  return r;
}

inline Route route_via_groups(const std::string &id, const std::string &network,
                              std::vector<std::string> routers, std::vector<std::string> groups,
                              int64_t metric = 100) {
  Route r = route_via_peer(id, network, "", std::move(groups), metric);
  r.peer_groups = std::move(routers);
  return r;
}

inline std::string all() { return all_group_id(kAccount); }

// An account with the All group; the default policy only when asked.
inline AccountRecords account(bool default_policy) {
  AccountRecords r;
  r.account.id = kAccount;
  r.account.name = "Acme";
  r.dns = make_default_dns(kAccount);
  r.groups.push_back(make_all_group(kAccount));
  if (default_policy) r.policies.push_back(make_default_policy(kAccount));
  return r;
}

inline std::set<std::string> reach(const PeerMap &m) {
  std::set<std::string> out;
  for (const MapPeer &p : m.peers) out.insert(p.id);
  return out;
}

// "policy:dir:set,set:proto:a-b,c-d"
inline std::string rule_text(const MapRule &r) {
  std::string s = r.policy + ":" + to_string(r.dir) + ":";
  for (size_t i = 0; i < r.sets.size(); ++i) s += (i ? "," : "") + r.sets[i];
  s += std::string(":") + to_string(r.proto) + ":";
  for (size_t i = 0; i < r.ports.size(); ++i) {
    s += (i ? "," : "") + std::to_string(r.ports[i].first) + "-" + std::to_string(r.ports[i].last);
  }
  return s;
}

inline std::vector<std::string> rules(const PeerMap &m) {
  std::vector<std::string> out;
  for (const MapRule &r : m.rules) out.push_back(rule_text(r));
  return out;
}

inline std::unique_ptr<Compiler> compile(AccountRecords r, int64_t now_ms = 1'000'000) {
  std::string error;
  auto c = Compiler::create(std::move(r), now_ms, error);
  if (!c) throw std::runtime_error("compile failed: " + error);
  return c;
}

}  // namespace fx
