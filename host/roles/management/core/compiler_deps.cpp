// SPDX-License-Identifier: Apache-2.0
// What depends on what, for the compiler's incremental work: the back-references
// from groups to the policies and routes that name them, which cached rule parts
// and profiles a batch has made stale, and which affected peers need their View
// recompiled rather than only their entries and sets compared. Getting these
// wrong shows as a delta that does not lead to the freshly compiled map; the
// property test (tests/management-core/test_delta_property.cpp) checks exactly that.
#include <algorithm>

#include "compiler_state.hpp"

namespace trellis::mgmt {

using namespace detail;

void Compiler::State::rebuild_refs() {
  for (GroupSlot &g : groups) {
    g.src_of.clear();
    g.dst_of.clear();
    g.dist_of.clear();
    g.router_of.clear();
  }
  auto resolve = [&](const std::vector<std::string> &ids) {
    std::vector<Idx> out;
    for (const std::string &id : ids) {
      auto it = group_ids.find(id);
      if (it != group_ids.end() && groups[it->second].live) out.push_back(it->second);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  for (Idx i = 0; i < policies.size(); ++i) {
    PolicySlot &p = policies[i];
    if (!p.live) continue;
    p.src = resolve(p.rec.sources);
    p.dst = resolve(p.rec.destinations);
    for (Idx g : p.src) groups[g].src_of.push_back(i);
    for (Idx g : p.dst) groups[g].dst_of.push_back(i);
  }
  for (Idx i = 0; i < routes.size(); ++i) {
    RouteSlot &r = routes[i];
    if (!r.live) continue;
    r.groups = resolve(r.rec.groups);
    r.router_groups = r.rec.peer.empty() ? resolve(r.rec.peer_groups) : std::vector<Idx>{};
    for (Idx g : r.groups) groups[g].dist_of.push_back(i);
    for (Idx g : r.router_groups) groups[g].router_of.push_back(i);
  }
  refs_dirty = false;
}

void Compiler::State::invalidate_profiles() {
  Batch &b = batch;
  if (b.global || b.clear_profiles) {
    rule_cache.clear();
    for (auto &[sig, profile] : profile_cache) profile->stale = true;
    profile_cache.clear();
    return;
  }
  std::vector<char> rules_stale(groups.size(), 0), reach_stale(groups.size(), 0);
  bool any_rules = false, any_reach = false;
  auto mark_rules = [&](const std::vector<Idx> &gs) {
    for (Idx g : gs) rules_stale[g] = reach_stale[g] = any_rules = any_reach = true;
  };
  auto mark_reach = [&](const std::vector<Idx> &gs) {
    for (Idx g : gs) reach_stale[g] = any_reach = true;
  };
  // Rules, DNS and route lists change with the policies and routes naming the
  // signature's groups, in their old or new version.
  mark_rules(b.stale_groups);
  for (Idx p : b.touched_policies) {
    mark_rules(policies[p].src);
    mark_rules(policies[p].dst);
  }
  for (Idx r : b.touched_routes) {
    mark_rules(routes[r].groups);
    mark_rules(routes[r].router_groups);
  }
  // Reach changes when a group on the far side of an enabled policy or route
  // gains or loses (active) members, or a router named by id comes or goes.
  std::sort(b.member_dirty.begin(), b.member_dirty.end());
  b.member_dirty.erase(std::unique(b.member_dirty.begin(), b.member_dirty.end()), b.member_dirty.end());
  for (Idx g : b.member_dirty) {
    const GroupSlot &gs = groups[g];
    for (Idx p : gs.src_of) {
      if (policies[p].rec.enabled) mark_reach(policies[p].dst);
    }
    for (Idx p : gs.dst_of) {
      if (policies[p].rec.enabled) mark_reach(policies[p].src);
    }
    for (Idx r : gs.dist_of) {
      if (routes[r].rec.enabled) mark_reach(routes[r].router_groups);
    }
    for (Idx r : gs.router_of) {
      if (routes[r].rec.enabled) mark_reach(routes[r].groups);
    }
  }
  b.touched.for_each([&](Idx x) {
    auto it = routes_by_router.find(peers[x].rec.id);
    if (it == routes_by_router.end()) return;
    for (Idx r : it->second) mark_reach(routes[r].groups);
  });
  auto names = [](const std::vector<Idx> &sig, const std::vector<char> &stale) {
    return std::any_of(sig.begin(), sig.end(), [&](Idx g) { return stale[g] != 0; });
  };
  if (any_rules) std::erase_if(rule_cache, [&](const auto &e) { return names(e.first, rules_stale); });
  if (!any_reach) return;
  std::erase_if(profile_cache, [&](const auto &e) {
    if (!names(e.first, reach_stale)) return false;
    e.second->stale = true;
    return true;
  });
}

bool Compiler::State::routes_dirty() const {
  const Batch &b = batch;
  if (b.global || b.clear_profiles || b.route_changed || !b.touched_routes.empty()) return true;
  for (Idx g : b.member_dirty) {
    if (!groups[g].router_of.empty() || !groups[g].dist_of.empty()) return true;
  }
  // A router's online state or activity orders the routers of its clients.
  bool dirty = false;
  b.touched.for_each([&](Idx x) {
    if (dirty) return;
    if (auto it = routes_by_router.find(peers[x].rec.id); it != routes_by_router.end() && !it->second.empty()) {
      dirty = true;
      return;
    }
    for (Idx g : peers[x].groups) {
      if (!groups[g].router_of.empty()) dirty = true;
    }
  });
  return dirty;
}

bool Compiler::State::needs_recompile(Idx x, bool routes_changed) const {
  const Batch &b = batch;
  const PeerSlot &s = peers[x];
  if (b.global || b.born.test(x) || b.touched.test(x) || !s.view.profile) return true;
  if (!s.active) return false;  // an expired peer's map is its self object and DNS only
  if (s.view.profile->stale) return true;
  if (!routes_changed) return false;
  const View &v = s.view;
  const RulePart &part = *v.profile->part;
  return !v.routes.empty() || !v.serve.empty() || v.own_reach || !part.client_routes.empty() ||
         !part.router_routes.empty() || routes_by_router.count(s.rec.id) != 0;
}

void Compiler::State::finish_batch() {
  for (Idx x : batch.dead_peers) {
    peer_ids.erase(peers[x].rec.id);
    peers[x] = PeerSlot{};
    free_peers.push_back(x);
  }
  for (Idx g : batch.dead_groups) {
    group_ids.erase(groups[g].rec.id);
    groups[g] = GroupSlot{};
    free_groups.push_back(g);
  }
  for (Idx p : batch.dead_policies) {
    policy_ids.erase(policies[p].rec.id);
    policies[p] = PolicySlot{};
    free_policies.push_back(p);
  }
  for (Idx r : batch.dead_routes) {
    const std::string &router = routes[r].rec.peer;
    if (auto it = routes_by_router.find(router); it != routes_by_router.end() && it->second.empty()) {
      routes_by_router.erase(it);
    }
    route_ids.erase(routes[r].rec.id);
    routes[r] = RouteSlot{};
    free_routes.push_back(r);
  }
  if (!batch.dead_groups.empty()) refs_dirty = true;
  batch = Batch{};
}

}  // namespace trellis::mgmt
