// SPDX-License-Identifier: Apache-2.0
// Network map and delta JSON, strict parsing and delta application (netmap.hpp).
#include "netmap.hpp"

#include <algorithm>
#include <set>

#include "json_reader.hpp"
#include "validate.hpp"

namespace trellis::mgmt {

using nlohmann::json;

namespace {

constexpr std::pair<const char *, Direction> kDirections[] = {{"in", Direction::in},
                                                              {"out", Direction::out}};
constexpr std::pair<const char *, Protocol> kProtocols[] = {
    {"all", Protocol::all}, {"tcp", Protocol::tcp}, {"udp", Protocol::udp}, {"icmp", Protocol::icmp}};
constexpr std::pair<const char *, PolicyAction> kActions[] = {{"accept", PolicyAction::accept}};
constexpr size_t kMaxItems = 1u << 22;

const char *check_prefix(std::string_view v) {
  return parse_prefix4(v) ? nullptr : "expected an IPv4 prefix a.b.c.d/len";
}

// ---- writing ---------------------------------------------------------------

json self_json(const MapSelf &s) {
  json j = {{"id", s.id}, {"ip", format(s.ip)}, {"network", format(s.network)}};
  if (!s.fqdn.empty()) j["fqdn"] = s.fqdn;
  if (s.expired) j["expired"] = true;
  return j;
}

json peer_json(const MapPeer &p) {
  json j = {{"id", p.id}, {"key", p.key}, {"ip", format(p.ip)}};
  if (!p.fqdn.empty()) j["fqdn"] = p.fqdn;
  if (!p.routed.empty()) {
    json routed = json::array();
    for (const Prefix4 &n : p.routed) routed.push_back(format(n));
    j["routed"] = std::move(routed);
  }
  return j;
}

json ips_json(const std::vector<Ipv4> &ips) {
  json a = json::array();
  for (Ipv4 ip : ips) a.push_back(format(ip));
  return a;
}

json rules_json(const std::vector<MapRule> &rules) {
  json a = json::array();
  for (const MapRule &r : rules) {
    json j = {{"policy", r.policy},
              {"dir", to_string(r.dir)},
              {"sets", r.sets},
              {"proto", to_string(r.proto)}};
    if (!r.ports.empty()) {
      json ports = json::array();
      for (PortRange p : r.ports) ports.push_back({p.first, p.last});
      j["ports"] = std::move(ports);
    }
    j["action"] = to_string(r.action);
    a.push_back(std::move(j));
  }
  return a;
}

json routes_json(const std::vector<MapRoute> &routes) {
  json a = json::array();
  for (const MapRoute &r : routes) a.push_back({{"network", format(r.network)}, {"via", r.via}});
  return a;
}

json serve_json(const std::vector<MapServe> &serve) {
  json a = json::array();
  for (const MapServe &s : serve) a.push_back({{"network", format(s.network)}, {"sets", s.sets}});
  return a;
}

json dns_json(const MapDns &d) {
  json groups = json::array();
  for (const MapNameservers &g : d.nameservers) {
    json servers = json::array();
    for (const MapEndpoint &e : g.servers) servers.push_back(format(e.ip) + ":" + std::to_string(e.port));
    json j = {{"servers", std::move(servers)}, {"domains", g.domains}};
    if (g.primary) j["primary"] = true;
    groups.push_back(std::move(j));
  }
  return {{"domain", d.domain}, {"nameservers", std::move(groups)}};
}

// ---- reading ---------------------------------------------------------------

void read_ip(JsonReader &r, const char *key, Ipv4 &out, Need need) {
  std::string text;
  r.string(key, text, need, check_ipv4);
  if (r.ok() && !text.empty()) out = *parse_ipv4(text);
}

void read_prefix(JsonReader &r, const char *key, Prefix4 &out, Need need) {
  std::string text;
  r.string(key, text, need, check_prefix);
  if (r.ok() && !text.empty()) out = *parse_prefix4(text);
}

// A list of addresses, sorted; duplicates refused.
void read_ip_list(JsonReader &r, const char *key, std::vector<Ipv4> &out, Need need) {
  std::vector<std::string> texts;
  r.string_list(key, texts, need, check_ipv4, kMaxItems, true);
  if (!r.ok()) return;
  out.clear();
  out.reserve(texts.size());
  for (const std::string &t : texts) out.push_back(*parse_ipv4(t));
  std::sort(out.begin(), out.end());
}

void read_self(JsonReader &r, MapSelf &s) {
  r.string("id", s.id, Need::required, check_id);
  read_ip(r, "ip", s.ip, Need::required);
  read_prefix(r, "network", s.network, Need::required);
  r.string("fqdn", s.fqdn, Need::optional, check_domain_or_empty);
  r.boolean("expired", s.expired, Need::optional);
}

void read_peer(JsonReader &r, MapPeer &p) {
  r.string("id", p.id, Need::required, check_id);
  r.string("key", p.key, Need::required, check_public_key);
  read_ip(r, "ip", p.ip, Need::required);
  r.string("fqdn", p.fqdn, Need::optional, check_domain_or_empty);
  std::vector<std::string> routed;
  r.string_list("routed", routed, Need::optional, check_prefix, 1024, true);
  for (const std::string &t : routed) p.routed.push_back(*parse_prefix4(t));
  std::sort(p.routed.begin(), p.routed.end());
}

void read_peers(JsonReader &r, const char *key, std::vector<MapPeer> &out) {
  r.object_list(key, Need::optional, kMaxItems, [&](JsonReader &e, size_t) {
    MapPeer p;
    read_peer(e, p);
    out.push_back(std::move(p));
  });
}

void read_rules(JsonReader &r, std::vector<MapRule> &out, Need need) {
  r.object_list("rules", need, 1u << 16, [&](JsonReader &e, size_t) {
    MapRule rule;
    e.string("policy", rule.policy, Need::required, check_id);
    read_enum(e, "dir", rule.dir, Need::required, kDirections);
    e.string_list("sets", rule.sets, Need::required, check_id, 1024, true);
    read_enum(e, "proto", rule.proto, Need::required, kProtocols);
    if (const json *ports = e.value("ports", Need::optional)) {
      bool good = ports->is_array();
      for (size_t i = 0; good && i < ports->size(); ++i) {
        const json &p = (*ports)[i];
        good = p.is_array() && p.size() == 2 && p[0].is_number_unsigned() &&
               p[1].is_number_unsigned() && p[0].get<uint64_t>() >= 1 &&
               p[0].get<uint64_t>() <= p[1].get<uint64_t>() && p[1].get<uint64_t>() <= 65535;
        if (good) {
          rule.ports.push_back({static_cast<uint16_t>(p[0].get<uint64_t>()),
                                static_cast<uint16_t>(p[1].get<uint64_t>())});
        }
      }
      if (!good) e.fail("ports", "expected [[first, last], ...] with 1 <= first <= last <= 65535");
    }
    read_enum(e, "action", rule.action, Need::required, kActions);
    out.push_back(std::move(rule));
  });
}

void read_routes(JsonReader &r, std::vector<MapRoute> &out, Need need) {
  r.object_list("routes", need, 1u << 16, [&](JsonReader &e, size_t) {
    MapRoute route;
    read_prefix(e, "network", route.network, Need::required);
    e.string_list("via", route.via, Need::required, check_id, 1024, true);
    out.push_back(std::move(route));
  });
}

void read_serve(JsonReader &r, std::vector<MapServe> &out, Need need) {
  r.object_list("serve", need, 1u << 16, [&](JsonReader &e, size_t) {
    MapServe s;
    read_prefix(e, "network", s.network, Need::required);
    e.string_list("sets", s.sets, Need::required, check_id, 1024, true);
    out.push_back(std::move(s));
  });
}

const char *check_endpoint(std::string_view v) {
  size_t colon = v.rfind(':');
  if (colon == std::string_view::npos || !parse_ipv4(v.substr(0, colon))) {
    return "expected \"a.b.c.d:port\"";
  }
  std::string_view port = v.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port[0] == '0') return "expected \"a.b.c.d:port\"";
  unsigned n = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return "expected \"a.b.c.d:port\"";
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n >= 1 && n <= 65535 ? nullptr : "port out of range";
}

void read_dns(JsonReader &r, MapDns &d) {
  r.string("domain", d.domain, Need::required, check_domain_or_empty);
  r.object_list("nameservers", Need::required, 64, [&](JsonReader &e, size_t) {
    MapNameservers g;
    std::vector<std::string> servers;
    e.string_list("servers", servers, Need::required, check_endpoint, 8, false);
    for (const std::string &s : servers) {
      size_t colon = s.rfind(':');
      g.servers.push_back({*parse_ipv4(std::string_view(s).substr(0, colon)),
                           static_cast<uint16_t>(std::stoul(s.substr(colon + 1)))});
    }
    e.string_list("domains", g.domains, Need::required, check_domain_or_empty, 64, true);
    e.boolean("primary", g.primary, Need::optional);
    d.nameservers.push_back(std::move(g));
  });
}

void read_version(JsonReader &r) {
  int64_t v = 0;
  r.integer("v", v, Need::required, kNetmapVersion, kNetmapVersion);
}

std::string sort_peers(std::vector<MapPeer> &peers, const char *what) {
  std::sort(peers.begin(), peers.end(),
            [](const MapPeer &a, const MapPeer &b) { return a.id < b.id; });
  for (size_t i = 1; i < peers.size(); ++i) {
    if (peers[i].id == peers[i - 1].id) return std::string(what) + ": duplicate peer " + peers[i].id;
  }
  return {};
}

}  // namespace

const char *to_string(Direction d) { return d == Direction::in ? "in" : "out"; }

const MapPeer *PeerMap::find_peer(const std::string &id) const {
  auto it = std::lower_bound(peers.begin(), peers.end(), id,
                             [](const MapPeer &p, const std::string &k) { return p.id < k; });
  return it != peers.end() && it->id == id ? &*it : nullptr;
}

std::vector<std::pair<std::string, Ipv4>> PeerMap::dns_records() const {
  std::vector<std::pair<std::string, Ipv4>> out;
  if (!self.fqdn.empty()) out.emplace_back(self.fqdn, self.ip);
  for (const MapPeer &p : peers) {
    if (!p.fqdn.empty()) out.emplace_back(p.fqdn, p.ip);
  }
  return out;
}

bool PeerMap::same_content(const PeerMap &o) const {
  return self == o.self && peers == o.peers && sets == o.sets && rules == o.rules &&
         routes == o.routes && serve == o.serve && dns == o.dns;
}

json to_json(const PeerMap &m) {
  json peers = json::array();
  for (const MapPeer &p : m.peers) peers.push_back(peer_json(p));
  json sets = json::object();
  for (const auto &[id, ips] : m.sets) sets[id] = ips_json(ips);
  return {{"v", kNetmapVersion},       {"serial", m.serial},  {"self", self_json(m.self)},
          {"peers", std::move(peers)}, {"sets", std::move(sets)}, {"rules", rules_json(m.rules)},
          {"routes", routes_json(m.routes)}, {"serve", serve_json(m.serve)}, {"dns", dns_json(m.dns)}};
}

json to_json(const MapDelta &d) {
  json j = {{"v", kNetmapVersion}, {"serial", d.serial}, {"base", d.base}};
  if (d.self) j["self"] = self_json(*d.self);
  if (!d.add.empty() || !d.upd.empty() || !d.del.empty()) {
    json peers = json::object();
    auto list = [](const std::vector<MapPeer> &v) {
      json a = json::array();
      for (const MapPeer &p : v) a.push_back(peer_json(p));
      return a;
    };
    if (!d.add.empty()) peers["add"] = list(d.add);
    if (!d.upd.empty()) peers["upd"] = list(d.upd);
    if (!d.del.empty()) peers["del"] = d.del;
    j["peers"] = std::move(peers);
  }
  if (!d.sets.empty()) {
    json sets = json::object();
    for (const auto &[id, s] : d.sets) {
      if (s.remove) {
        sets[id] = nullptr;
        continue;
      }
      json one = json::object();
      if (!s.add.empty()) one["add"] = ips_json(s.add);
      if (!s.del.empty()) one["del"] = ips_json(s.del);
      sets[id] = std::move(one);
    }
    j["sets"] = std::move(sets);
  }
  if (d.rules) j["rules"] = rules_json(*d.rules);
  if (d.routes) j["routes"] = routes_json(*d.routes);
  if (d.serve) j["serve"] = serve_json(*d.serve);
  if (d.dns) j["dns"] = dns_json(*d.dns);
  return j;
}

std::string parse_map(const json &j, PeerMap &out) {
  std::string error;
  PeerMap m;
  JsonReader r(j, "map", error);
  read_version(r);
  int64_t serial = 0;
  r.integer("serial", serial, Need::required, 0, INT64_MAX);
  m.serial = static_cast<uint64_t>(serial);
  r.object("self", Need::required, [&](JsonReader &s) { read_self(s, m.self); });
  read_peers(r, "peers", m.peers);
  if (const json *sets = r.value("sets", Need::required)) {
    if (!sets->is_object()) r.fail("sets", "expected an object");
    for (auto it = sets->begin(); r.ok() && it != sets->end(); ++it) {
      if (const char *problem = check_id(it.key())) r.fail("sets", problem);
      const json holder = {{"ips", *it}};
      JsonReader h(holder, "map.sets", error);
      std::vector<Ipv4> &ips = m.sets[it.key()];
      read_ip_list(h, "ips", ips, Need::required);
      // Name the set, not the holder: "map.sets.<id>[i]: ...".
      if (!error.empty()) error = "map.sets." + it.key() + error.substr(sizeof "map.sets.ips" - 1);
    }
  }
  read_rules(r, m.rules, Need::required);
  read_routes(r, m.routes, Need::required);
  read_serve(r, m.serve, Need::required);
  r.object("dns", Need::required, [&](JsonReader &d) { read_dns(d, m.dns); });
  r.finish();
  if (error.empty()) error = sort_peers(m.peers, "map.peers");
  if (error.empty()) out = std::move(m);
  return error;
}

std::string parse_delta(const json &j, MapDelta &out) {
  std::string error;
  MapDelta d;
  JsonReader r(j, "delta", error);
  read_version(r);
  int64_t serial = 0, base = 0;
  r.integer("serial", serial, Need::required, 1, INT64_MAX);
  r.integer("base", base, Need::required, 0, INT64_MAX);
  d.serial = static_cast<uint64_t>(serial);
  d.base = static_cast<uint64_t>(base);
  if (r.ok() && d.base >= d.serial) r.fail("base", "must be lower than serial");
  if (r.has("self")) {
    d.self.emplace();
    r.object("self", Need::required, [&](JsonReader &s) { read_self(s, *d.self); });
  }
  r.object("peers", Need::optional, [&](JsonReader &p) {
    read_peers(p, "add", d.add);
    read_peers(p, "upd", d.upd);
    p.string_list("del", d.del, Need::optional, check_id, kMaxItems, true);
  });
  if (const json *sets = r.value("sets", Need::optional)) {
    if (!sets->is_object()) r.fail("sets", "expected an object");
    for (auto it = sets->begin(); r.ok() && it != sets->end(); ++it) {
      if (const char *problem = check_id(it.key())) r.fail("sets", problem);
      SetDelta &s = d.sets[it.key()];
      if (it->is_null()) {
        s.remove = true;
        continue;
      }
      JsonReader one(*it, "delta.sets." + it.key(), error);
      read_ip_list(one, "add", s.add, Need::optional);
      read_ip_list(one, "del", s.del, Need::optional);
      one.finish();
    }
  }
  if (r.has("rules")) read_rules(r, d.rules.emplace(), Need::required);
  if (r.has("routes")) read_routes(r, d.routes.emplace(), Need::required);
  if (r.has("serve")) read_serve(r, d.serve.emplace(), Need::required);
  if (r.has("dns")) r.object("dns", Need::required, [&](JsonReader &x) { read_dns(x, d.dns.emplace()); });
  r.finish();
  if (error.empty()) error = sort_peers(d.add, "delta.peers.add");
  if (error.empty()) error = sort_peers(d.upd, "delta.peers.upd");
  if (error.empty()) out = std::move(d);
  return error;
}

std::string parse_map_text(std::string_view text, PeerMap &out) {
  std::string error;
  json j = parse_json_text(text, "map", error);
  return error.empty() ? parse_map(j, out) : error;
}

std::string parse_delta_text(std::string_view text, MapDelta &out) {
  std::string error;
  json j = parse_json_text(text, "delta", error);
  return error.empty() ? parse_delta(j, out) : error;
}

std::string apply_delta(PeerMap &map, const MapDelta &d) {
  if (d.base != map.serial) {
    return "delta base " + std::to_string(d.base) + " does not match map serial " +
           std::to_string(map.serial) + ": resync";
  }
  // Check everything first so a refused delta leaves the map untouched.
  std::set<std::string> present;
  for (const MapPeer &p : map.peers) present.insert(p.id);
  for (const std::string &id : d.del) {
    if (present.erase(id) == 0) return "delta deletes unknown peer " + id;
  }
  for (const MapPeer &p : d.upd) {
    if (!present.count(p.id)) return "delta updates unknown peer " + p.id;
  }
  for (const MapPeer &p : d.add) {
    if (!present.insert(p.id).second) return "delta adds present peer " + p.id;
  }
  for (const auto &[id, s] : d.sets) {
    auto it = map.sets.find(id);
    if (s.remove) {
      if (it == map.sets.end()) return "delta removes unknown set " + id;
      continue;
    }
    static const std::vector<Ipv4> kEmpty;
    const std::vector<Ipv4> &cur = it == map.sets.end() ? kEmpty : it->second;
    for (Ipv4 ip : s.del) {
      if (!std::binary_search(cur.begin(), cur.end(), ip)) {
        return "delta removes " + format(ip) + " absent from set " + id;
      }
    }
    for (Ipv4 ip : s.add) {
      if (std::binary_search(cur.begin(), cur.end(), ip) &&
          !std::binary_search(s.del.begin(), s.del.end(), ip)) {
        return "delta adds " + format(ip) + " already in set " + id;
      }
    }
  }

  std::set<std::string> gone(d.del.begin(), d.del.end());
  std::erase_if(map.peers, [&](const MapPeer &p) { return gone.count(p.id) != 0; });
  for (const MapPeer &p : d.upd) {
    auto it = std::lower_bound(map.peers.begin(), map.peers.end(), p.id,
                               [](const MapPeer &a, const std::string &k) { return a.id < k; });
    *it = p;
  }
  map.peers.insert(map.peers.end(), d.add.begin(), d.add.end());
  std::sort(map.peers.begin(), map.peers.end(),
            [](const MapPeer &a, const MapPeer &b) { return a.id < b.id; });
  for (const auto &[id, s] : d.sets) {
    if (s.remove) {
      map.sets.erase(id);
      continue;
    }
    std::vector<Ipv4> &cur = map.sets[id];
    std::vector<Ipv4> kept;
    kept.reserve(cur.size() + s.add.size());
    std::set_difference(cur.begin(), cur.end(), s.del.begin(), s.del.end(), std::back_inserter(kept));
    std::vector<Ipv4> merged;
    merged.reserve(kept.size() + s.add.size());
    std::merge(kept.begin(), kept.end(), s.add.begin(), s.add.end(), std::back_inserter(merged));
    cur = std::move(merged);
  }
  if (d.self) map.self = *d.self;
  if (d.rules) map.rules = *d.rules;
  if (d.routes) map.routes = *d.routes;
  if (d.serve) map.serve = *d.serve;
  if (d.dns) map.dns = *d.dns;
  map.serial = d.serial;
  return {};
}

}  // namespace trellis::mgmt
