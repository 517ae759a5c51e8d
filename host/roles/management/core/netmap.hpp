// SPDX-License-Identifier: Apache-2.0
// The network map one peer receives, and the deltas that move it from one serial
// to the next (format: docs/netmap.md). This is the agent-side model: parse a
// full map, parse a delta, apply_delta() — which refuses a delta whose base is
// not the map's serial (the agent then resyncs in full) or that does not fit
// the map. The management side writes the same JSON from its compiler
// (compiler.hpp) without building these structs. Everything is a plain value;
// lists are kept in one canonical order so two maps compare with ==.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ip.hpp"
#include "records.hpp"

namespace trellis::mgmt {

inline constexpr int kNetmapVersion = 1;

enum class Direction : uint8_t { in, out };
const char *to_string(Direction d);

struct MapSelf {
  std::string id;
  Ipv4 ip;
  Prefix4 network;    // the interface address is ip/network.length
  std::string fqdn;   // "" when the peer has no DNS label
  bool expired = false;  // login expired: no peers until the peer logs in again
  friend bool operator==(const MapSelf &, const MapSelf &) = default;
};

struct MapPeer {
  std::string id;
  std::string key;                // WireGuard public key, base64
  Ipv4 ip;
  std::string fqdn;
  std::vector<Prefix4> routed;    // allowed IPs besides ip/32 (this peer routes them)
  friend bool operator==(const MapPeer &, const MapPeer &) = default;
};

struct MapRule {
  std::string policy;
  Direction dir = Direction::in;
  std::vector<std::string> sets;  // remote addresses: the union of these sets
  Protocol proto = Protocol::all;
  std::vector<PortRange> ports;   // tcp/udp destination ports; empty: all
  PolicyAction action = PolicyAction::accept;
  friend bool operator==(const MapRule &, const MapRule &) = default;
};

struct MapRoute {
  Prefix4 network;
  std::vector<std::string> via;   // router peer ids, preferred first
  friend bool operator==(const MapRoute &, const MapRoute &) = default;
};

struct MapServe {
  Prefix4 network;
  std::vector<std::string> sets;  // clients allowed to use this peer as router
  friend bool operator==(const MapServe &, const MapServe &) = default;
};

struct MapEndpoint {
  Ipv4 ip;
  uint16_t port = 53;
  friend bool operator==(const MapEndpoint &, const MapEndpoint &) = default;
};

struct MapNameservers {
  std::vector<MapEndpoint> servers;
  std::vector<std::string> domains;
  bool primary = false;
  friend bool operator==(const MapNameservers &, const MapNameservers &) = default;
};

struct MapDns {
  std::string domain;
  std::vector<MapNameservers> nameservers;
  friend bool operator==(const MapDns &, const MapDns &) = default;
};

struct PeerMap {
  uint64_t serial = 0;
  MapSelf self;
  std::vector<MapPeer> peers;                     // sorted by id
  std::map<std::string, std::vector<Ipv4>> sets;  // group id -> sorted addresses
  std::vector<MapRule> rules;                     // as sent
  std::vector<MapRoute> routes;                   // as sent
  std::vector<MapServe> serve;                    // as sent
  MapDns dns;

  const MapPeer *find_peer(const std::string &id) const;
  // The zone the agent serves: self and every peer that has an FQDN.
  std::vector<std::pair<std::string, Ipv4>> dns_records() const;
  // Equal in everything but the serial.
  bool same_content(const PeerMap &o) const;
  friend bool operator==(const PeerMap &, const PeerMap &) = default;
};

struct SetDelta {
  bool remove = false;      // the set is gone (JSON null)
  std::vector<Ipv4> add;
  std::vector<Ipv4> del;
  friend bool operator==(const SetDelta &, const SetDelta &) = default;
};

struct MapDelta {
  uint64_t serial = 0;
  uint64_t base = 0;
  std::optional<MapSelf> self;
  std::vector<MapPeer> add;
  std::vector<MapPeer> upd;
  std::vector<std::string> del;
  std::map<std::string, SetDelta> sets;
  std::optional<std::vector<MapRule>> rules;    // present: replaces all rules
  std::optional<std::vector<MapRoute>> routes;  // present: replaces
  std::optional<std::vector<MapServe>> serve;   // present: replaces
  std::optional<MapDns> dns;                    // present: replaces
  friend bool operator==(const MapDelta &, const MapDelta &) = default;
};

nlohmann::json to_json(const PeerMap &map);
nlohmann::json to_json(const MapDelta &delta);
// Strict: "" or the first error naming its field. `out` written only on success.
std::string parse_map(const nlohmann::json &j, PeerMap &out);
std::string parse_delta(const nlohmann::json &j, MapDelta &out);
std::string parse_map_text(std::string_view text, PeerMap &out);
std::string parse_delta_text(std::string_view text, MapDelta &out);

// Applies `delta` to `map` (all or nothing): "" on success, else why it does not
// fit (base != map.serial, deleting an unknown peer, adding a present address...).
std::string apply_delta(PeerMap &map, const MapDelta &delta);

}  // namespace trellis::mgmt
