// SPDX-License-Identifier: Apache-2.0
// Compiling one peer's View: the RulePart of its group signature (rules, DNS,
// which routes it gets or serves, which groups it reaches), the Profile adding
// the peers it reaches now, and the per-peer parts (routes it serves by name,
// route entries with the preferred router first); plus the "who sees this"
// queries the batch planner uses. See compiler_state.hpp for the data layout.
#include <algorithm>
#include <tuple>

#include "compiler_state.hpp"
#include "json_writer.hpp"

namespace trellis::mgmt {

using namespace detail;

namespace {

constexpr uint8_t kSrc = 1;
constexpr uint8_t kDst = 2;

void union_into(std::vector<Idx> &into, const std::vector<Idx> &from) {
  std::vector<Idx> merged;
  merged.reserve(into.size() + from.size());
  std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(merged));
  into = std::move(merged);
}

// Group ids in text order: output must not depend on slot numbering, which
// differs between an incrementally updated compiler and a fresh one.
void append_group_ids(std::string &out, const std::vector<Idx> &gs,
                      const std::vector<GroupSlot> &groups) {
  std::vector<const std::string *> ids;
  ids.reserve(gs.size());
  for (Idx g : gs) ids.push_back(&groups[g].rec.id);
  std::sort(ids.begin(), ids.end(), [](const std::string *a, const std::string *b) { return *a < *b; });
  out += '[';
  for (size_t k = 0; k < ids.size(); ++k) {
    if (k) out += ',';
    append_json_string(out, *ids[k]);
  }
  out += ']';
}

}  // namespace

void Compiler::State::add_members(const std::vector<Idx> &gs, PeerBits &out) const {
  for (Idx g : gs) out |= groups[g].members;
}

void Compiler::State::add_routers(const RouteSlot &r, PeerBits &out) const {
  if (!r.rec.peer.empty()) {
    auto it = peer_ids.find(r.rec.peer);
    if (it != peer_ids.end() && peers[it->second].active) out.set(it->second);
  } else {
    PeerBits routers;
    add_members(r.router_groups, routers);
    routers &= active;
    out |= routers;
  }
}

PeerBits Compiler::State::reach_of(Idx p) const {
  const View &v = peers[p].view;
  PeerBits r;
  if (v.profile) r = v.profile->reach;
  if (v.own_reach) r |= *v.own_reach;
  r.reset(p);
  return r;
}

void Compiler::State::add_group_viewers(Idx g, PeerBits &out) const {
  const GroupSlot &gs = groups[g];
  out |= gs.members;
  for (Idx pol : gs.src_of) add_members(policies[pol].dst, out);
  for (Idx pol : gs.dst_of) add_members(policies[pol].src, out);
  for (Idx r : gs.dist_of) add_routers(routes[r], out);
  for (Idx r : gs.router_of) add_members(routes[r].groups, out);
}

void Compiler::State::add_policy_viewers(Idx pol, PeerBits &out) const {
  add_members(policies[pol].src, out);
  add_members(policies[pol].dst, out);
}

void Compiler::State::add_route_viewers(Idx r, PeerBits &out) const {
  add_members(routes[r].groups, out);
  add_routers(routes[r], out);
}

const std::vector<Ipv4> &Compiler::State::group_ips(Idx g) const {
  const GroupSlot &gs = groups[g];
  if (!gs.ips_valid) {
    gs.ips.clear();
    if (gs.live) {
      gs.members.for_each([&](Idx p) {
        if (peers[p].active) gs.ips.push_back(peers[p].ip);
      });
      std::sort(gs.ips.begin(), gs.ips.end());
      gs.ips.erase(std::unique(gs.ips.begin(), gs.ips.end()), gs.ips.end());
    }
    gs.ips_json.clear();
    gs.ips_json += '[';
    for (size_t i = 0; i < gs.ips.size(); ++i) {
      if (i) gs.ips_json += ',';
      append_ip_string(gs.ips_json, gs.ips[i]);
    }
    gs.ips_json += ']';
    gs.ips_valid = true;
  }
  return gs.ips;
}

const std::string &Compiler::State::group_ips_json(Idx g) const {
  group_ips(g);
  return groups[g].ips_json;
}

std::shared_ptr<const RulePart> Compiler::State::rule_part_for(const std::vector<Idx> &sig) {
  auto cached = rule_cache.find(sig);
  if (cached != rule_cache.end()) return cached->second;

  auto pr = std::make_shared<RulePart>();
  // Which policies name these groups, and on which side.
  std::vector<std::pair<Idx, uint8_t>> marks;
  for (Idx g : sig) {
    for (Idx pol : groups[g].src_of) marks.emplace_back(pol, kSrc);
    for (Idx pol : groups[g].dst_of) marks.emplace_back(pol, kDst);
  }
  std::sort(marks.begin(), marks.end());
  std::vector<Rule> rules;
  // At most one rule per policy and direction; a policy naming only unknown
  // groups on the far side gives none.
  auto add_rule = [&](Idx pol, Direction dir, std::vector<Idx> sets) {
    if (!sets.empty()) rules.push_back({pol, dir, std::move(sets), policies[pol].rec.protocol, policies[pol].ports});
  };
  for (size_t i = 0; i < marks.size();) {
    Idx pol = marks[i].first;
    uint8_t side = 0;
    for (; i < marks.size() && marks[i].first == pol; ++i) side |= marks[i].second;
    const PolicySlot &ps = policies[pol];
    if (!ps.live || !ps.rec.enabled) continue;
    // A source sends to the destinations; a destination accepts from the
    // sources. Bidirectional policies also allow the reverse.
    std::vector<Idx> in_sets, out_sets;
    if (side & kSrc) {
      union_into(pr->reach_groups, ps.dst);
      union_into(out_sets, ps.dst);
      if (ps.rec.bidirectional) union_into(in_sets, ps.dst);
    }
    if (side & kDst) {
      union_into(pr->reach_groups, ps.src);
      union_into(in_sets, ps.src);
      if (ps.rec.bidirectional) union_into(out_sets, ps.src);
    }
    add_rule(pol, Direction::in, std::move(in_sets));
    add_rule(pol, Direction::out, std::move(out_sets));
  }
  for (Idx g : sig) {
    for (Idx r : groups[g].dist_of) {
      if (routes[r].rec.enabled) pr->client_routes.push_back(r);
    }
    for (Idx r : groups[g].router_of) {
      if (routes[r].rec.enabled) pr->router_routes.push_back(r);
    }
  }
  for (auto *list : {&pr->client_routes, &pr->router_routes}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  for (Idx r : pr->router_routes) union_into(pr->reach_groups, routes[r].groups);

  std::sort(rules.begin(), rules.end(), [&](const Rule &a, const Rule &b) {
    const std::string &ia = policies[a.policy].rec.id, &ib = policies[b.policy].rec.id;
    return std::tie(ia, a.dir) < std::tie(ib, b.dir);
  });
  std::string &rj = pr->rules_json;
  rj += '[';
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule &rule = rules[i];
    union_into(pr->rule_sets, rule.sets);
    if (i) rj += ',';
    rj += "{\"policy\":";
    append_json_string(rj, policies[rule.policy].rec.id);
    rj += rule.dir == Direction::in ? ",\"dir\":\"in\",\"sets\":" : ",\"dir\":\"out\",\"sets\":";
    append_group_ids(rj, rule.sets, groups);
    rj += ",\"proto\":\"";
    rj += to_string(rule.proto);
    rj += '"';
    if (!rule.ports.empty()) {
      rj += ",\"ports\":[";
      for (size_t k = 0; k < rule.ports.size(); ++k) {
        if (k) rj += ',';
        rj += '[';
        append_uint(rj, rule.ports[k].first);
        rj += ',';
        append_uint(rj, rule.ports[k].last);
        rj += ']';
      }
      rj += ']';
    }
    rj += ",\"action\":\"accept\"}";
  }
  rj += ']';

  // DNS: the account domain and the nameserver groups naming any of these groups.
  std::string &dj = pr->dns_json;
  dj += "{\"domain\":";
  append_json_string(dj, dns.domain);
  dj += ",\"nameservers\":[";
  bool first_ns = true;
  for (const NameserverGroup &ng : dns.nameserver_groups) {
    if (!ng.enabled) continue;
    bool applies = std::any_of(ng.groups.begin(), ng.groups.end(), [&](const std::string &id) {
      auto it = group_ids.find(id);
      return it != group_ids.end() && groups[it->second].live &&
             std::binary_search(sig.begin(), sig.end(), it->second);
    });
    if (!applies) continue;
    if (!first_ns) dj += ',';
    first_ns = false;
    dj += "{\"servers\":[";
    for (size_t k = 0; k < ng.nameservers.size(); ++k) {
      if (k) dj += ',';
      append_json_string(dj, ng.nameservers[k].ip + ":" + std::to_string(ng.nameservers[k].port));
    }
    dj += "],\"domains\":[";
    for (size_t k = 0; k < ng.domains.size(); ++k) {
      if (k) dj += ',';
      append_json_string(dj, ng.domains[k]);
    }
    dj += ']';
    if (ng.primary) dj += ",\"primary\":true";
    dj += '}';
  }
  dj += "]}";

  std::shared_ptr<const RulePart> result = std::move(pr);
  rule_cache.emplace(sig, result);
  return result;
}

std::shared_ptr<const Profile> Compiler::State::profile_for(const std::vector<Idx> &sig) {
  auto cached = profile_cache.find(sig);
  if (cached != profile_cache.end()) return cached->second;
  auto pr = std::make_shared<Profile>();
  pr->part = rule_part_for(sig);
  add_members(pr->part->reach_groups, pr->reach);
  for (Idx r : pr->part->client_routes) add_routers(routes[r], pr->reach);
  pr->reach &= active;
  std::shared_ptr<const Profile> result = std::move(pr);
  profile_cache.emplace(sig, result);
  return result;
}

void Compiler::State::compile_view(Idx p, View &out) {
  const PeerSlot &slot = peers[p];
  out = View{};
  out.self_json = render_self(p);
  if (!slot.active) {
    out.profile = empty_profile;
    out.routes_json = "[]";
    out.serve_json = "[]";
    return;
  }
  out.profile = profile_for(slot.groups);
  const RulePart &pr = *out.profile->part;

  // Routes this peer serves: named as the router, or through a router group.
  std::vector<Idx> served = pr.router_routes;
  if (auto it = routes_by_router.find(slot.rec.id); it != routes_by_router.end()) {
    PeerBits own;
    for (Idx r : it->second) {
      if (!routes[r].live || !routes[r].rec.enabled) continue;
      served.push_back(r);
      add_members(routes[r].groups, own);
    }
    own &= active;
    if (own.any()) out.own_reach = std::make_shared<const PeerBits>(std::move(own));
    std::sort(served.begin(), served.end());
    served.erase(std::unique(served.begin(), served.end()), served.end());
  }
  for (Idx r : served) {
    const RouteSlot &rs = routes[r];
    auto it = std::find_if(out.serve.begin(), out.serve.end(),
                           [&](const ServeRoute &s) { return s.network == rs.network; });
    if (it == out.serve.end()) {
      out.serve.push_back({rs.network, rs.groups});
    } else {
      union_into(it->sets, rs.groups);
    }
  }
  std::sort(out.serve.begin(), out.serve.end(),
            [](const ServeRoute &a, const ServeRoute &b) { return a.network < b.network; });

  // Routes it gets: per network, every active router of every route for that
  // network, ordered by (metric, online first, peer id). A network it serves
  // itself is not also routed elsewhere.
  struct Candidate {
    Prefix4 network;
    int64_t metric;
    bool offline;
    const std::string *id;
    Idx peer;
  };
  std::vector<Candidate> candidates;
  for (Idx r : pr.client_routes) {
    const RouteSlot &rs = routes[r];
    bool serves = std::any_of(out.serve.begin(), out.serve.end(),
                              [&](const ServeRoute &s) { return s.network == rs.network; });
    if (serves) continue;
    PeerBits routers;
    add_routers(rs, routers);
    routers.reset(p);
    routers.for_each([&](Idx x) {
      candidates.push_back({rs.network, rs.rec.metric, !peers[x].rec.online, &peers[x].rec.id, x});
    });
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate &a, const Candidate &b) {
    return std::tie(a.network, a.metric, a.offline, *a.id) <
           std::tie(b.network, b.metric, b.offline, *b.id);
  });
  for (const Candidate &c : candidates) {
    if (out.routes.empty() || out.routes.back().network != c.network) {
      out.routes.push_back({c.network, {}});
    }
    std::vector<Idx> &via = out.routes.back().via;
    if (std::find(via.begin(), via.end(), c.peer) == via.end()) via.push_back(c.peer);
  }

  out.sets = pr.rule_sets;
  for (const ServeRoute &s : out.serve) union_into(out.sets, s.sets);

  std::string &rj = out.routes_json;
  rj += '[';
  for (size_t i = 0; i < out.routes.size(); ++i) {
    if (i) rj += ',';
    rj += "{\"network\":";
    append_prefix_string(rj, out.routes[i].network);
    rj += ",\"via\":[";
    for (size_t k = 0; k < out.routes[i].via.size(); ++k) {
      if (k) rj += ',';
      append_json_string(rj, peers[out.routes[i].via[k]].rec.id);
    }
    rj += "]}";
  }
  rj += ']';
  std::string &sj = out.serve_json;
  sj += '[';
  for (size_t i = 0; i < out.serve.size(); ++i) {
    if (i) sj += ',';
    sj += "{\"network\":";
    append_prefix_string(sj, out.serve[i].network);
    sj += ",\"sets\":";
    append_group_ids(sj, out.serve[i].sets, groups);
    sj += '}';
  }
  sj += ']';
}

}  // namespace trellis::mgmt
