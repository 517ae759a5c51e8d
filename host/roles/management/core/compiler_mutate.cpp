// SPDX-License-Identifier: Apache-2.0
// The first two phases of a batch (compiler_state.hpp): plan, which marks what
// each op touches and gathers the peers that see it in the old state, and
// mutate, which changes records and indexes and snapshots old entries and group
// address lists at their first change. Updates that cannot change any map (a
// peer's last_seen, a group's or policy's name) skip both and only store the
// record.
#include <algorithm>

#include "compiler_state.hpp"
#include "dns_label.hpp"
#include "validate.hpp"

namespace trellis::mgmt {

using namespace detail;

namespace {

std::vector<std::string> as_set(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool same_policy_effect(const Policy &a, const Policy &b) {
  return a.enabled == b.enabled && as_set(a.sources) == as_set(b.sources) &&
         as_set(a.destinations) == as_set(b.destinations) && a.protocol == b.protocol &&
         a.ports == b.ports && a.bidirectional == b.bidirectional && a.action == b.action;
}

bool same_route_effect(const Route &a, const Route &b) {
  return a.network == b.network && a.peer == b.peer &&
         as_set(a.peer_groups) == as_set(b.peer_groups) && a.metric == b.metric &&
         a.enabled == b.enabled && as_set(a.groups) == as_set(b.groups);
}

// Sorted, overlapping and adjacent ranges merged: one canonical rule text.
std::vector<PortRange> normalize_ports(std::vector<PortRange> ports) {
  std::sort(ports.begin(), ports.end());
  std::vector<PortRange> out;
  for (PortRange p : ports) {
    if (!out.empty() && uint32_t{out.back().last} + 1 >= p.first) {
      out.back().last = std::max(out.back().last, p.last);
    } else {
      out.push_back(p);
    }
  }
  return out;
}

template <typename Slot>
Idx alloc(std::vector<Slot> &slots, std::vector<Idx> &free_list) {
  if (!free_list.empty()) {
    Idx i = free_list.back();
    free_list.pop_back();
    return i;
  }
  slots.emplace_back();
  return static_cast<Idx>(slots.size() - 1);
}

}  // namespace

// ---- helpers ---------------------------------------------------------------

Idx Compiler::State::live_peer(const std::string &id) const {
  auto it = peer_ids.find(id);
  return it != peer_ids.end() && peers[it->second].live ? it->second : kNoIdx;
}

// A peer whose address or key does not parse (records are validated before
// they get here, so only by a bug upstream) is kept out of every map.
bool Compiler::State::active_for(const Peer &rec) const {
  bool valid = parse_ipv4(rec.ip).has_value() && decode_public_key(rec.public_key).has_value();
  return valid && !(rec.login_expires_ms != 0 && rec.login_expires_ms <= now_ms);
}

bool Compiler::State::router_candidate(const PeerSlot &s, const Peer &rec) const {
  if (auto it = routes_by_router.find(rec.id); it != routes_by_router.end() && !it->second.empty()) {
    return true;
  }
  for (const RouteSlot &r : routes) {
    if (!r.live) continue;
    for (const std::string &g : r.rec.peer_groups) {
      auto gi = group_ids.find(g);
      if (gi != group_ids.end() && std::binary_search(s.groups.begin(), s.groups.end(), gi->second)) {
        return true;
      }
      if (std::find(rec.groups.begin(), rec.groups.end(), g) != rec.groups.end()) return true;
    }
  }
  return false;
}

bool Compiler::State::relevant_change(const PeerSlot &s, const Peer &rec) const {
  const Peer &o = s.rec;
  if (o.public_key != rec.public_key || o.ip != rec.ip || o.dns_label != rec.dns_label) return true;
  if (as_set(o.groups) != as_set(rec.groups)) return true;
  if (active_for(rec) != s.active) return true;
  return o.online != rec.online && router_candidate(s, rec);
}

void Compiler::State::touch_peer(Idx x) {
  batch.touched.set(x);
  batch.affected.set(x);
  batch.affected |= reach_of(x);
}

void Compiler::State::snapshot_peer(Idx x) {
  if (batch.born.test(x) || batch.old_peers.count(x)) return;
  const PeerSlot &s = peers[x];
  batch.old_peers.emplace(x, OldPeer{s.rec.id, s.entry, s.view.self_json});
}

void Compiler::State::snapshot_group(Idx g) {
  if (!batch.old_ips.count(g)) batch.old_ips.emplace(g, group_ips(g));
  groups[g].ips_valid = false;
}

void Compiler::State::add_group_member(Idx g, Idx x) {
  snapshot_group(g);
  batch.member_dirty.push_back(g);
  groups[g].members.set(x);
  std::vector<Idx> &gs = peers[x].groups;
  gs.insert(std::lower_bound(gs.begin(), gs.end(), g), g);
}

void Compiler::State::detach_peer(Idx x) {
  snapshot_peer(x);
  PeerSlot &s = peers[x];
  for (Idx g : s.groups) {
    snapshot_group(g);
    batch.member_dirty.push_back(g);
    groups[g].members.reset(x);
  }
  s.groups.clear();
  if (s.active) expiries.erase({s.rec.login_expires_ms, x});
  active.reset(x);
  s.active = false;
  batch.touched.set(x);
}

void Compiler::State::update_entry(Idx x, const Peer &v) {
  snapshot_peer(x);
  PeerSlot &s = peers[x];
  if (s.rec.ip != v.ip) {
    for (Idx g : s.groups) snapshot_group(g);  // the address lists change, not the members
  }
  if (s.active && s.rec.login_expires_ms != v.login_expires_ms) {
    expiries.erase({s.rec.login_expires_ms, x});
    if (v.login_expires_ms > now_ms) expiries.insert({v.login_expires_ms, x});
  }
  s.rec = v;
  s.ip = parse_ipv4(s.rec.ip).value_or(Ipv4{});
  s.fqdn = s.rec.dns_label.empty() ? std::string() : make_fqdn(s.rec.dns_label, dns.domain);
  render_entry(x);
  batch.touched.set(x);
}

std::vector<Idx> Compiler::State::resolve_groups(const Peer &rec) const {
  std::vector<Idx> out;
  for (const std::string &id : rec.groups) {
    auto it = group_ids.find(id);
    if (it != group_ids.end() && groups[it->second].live) out.push_back(it->second);
  }
  if (all_group != kNoIdx) out.push_back(all_group);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Compiler::State::regroup(Idx x, const Peer &v) {
  snapshot_peer(x);
  PeerSlot &s = peers[x];
  std::vector<Idx> next = resolve_groups(v), kept;
  for (Idx g : s.groups) {
    if (std::binary_search(next.begin(), next.end(), g)) {
      kept.push_back(g);
      continue;
    }
    snapshot_group(g);
    batch.member_dirty.push_back(g);
    groups[g].members.reset(x);
  }
  s.groups = std::move(kept);
  for (Idx g : next) {
    if (!std::binary_search(s.groups.begin(), s.groups.end(), g)) add_group_member(g, x);
  }
  update_entry(x, v);
}

void Compiler::State::attach_peer(Idx x) {
  PeerSlot &s = peers[x];
  s.ip = parse_ipv4(s.rec.ip).value_or(Ipv4{});
  s.active = active_for(s.rec);
  s.fqdn = s.rec.dns_label.empty() ? std::string() : make_fqdn(s.rec.dns_label, dns.domain);
  // Members before the active bit: snapshot_group() must see the old lists.
  for (Idx g : resolve_groups(s.rec)) add_group_member(g, x);
  if (s.active) {
    active.set(x);
    if (s.rec.login_expires_ms > now_ms) expiries.insert({s.rec.login_expires_ms, x});
  }
  render_entry(x);
  batch.touched.set(x);
}

// ---- plan (old state) ------------------------------------------------------

void Compiler::State::plan(const Peer &v) {
  Idx x = live_peer(v.id);
  if (x != kNoIdx && relevant_change(peers[x], v)) touch_peer(x);
}

void Compiler::State::plan(const Group &v) {
  auto it = group_ids.find(v.id);
  if (it != group_ids.end() && groups[it->second].live) return;  // a rename changes no map
  bool all = v.id == all_group_id(account.id);
  for (Idx x = 0; x < peers.size(); ++x) {
    const PeerSlot &s = peers[x];
    if (s.live && (all || std::find(s.rec.groups.begin(), s.rec.groups.end(), v.id) != s.rec.groups.end())) {
      touch_peer(x);
    }
  }
}

void Compiler::State::plan(const Policy &v) {
  auto it = policy_ids.find(v.id);
  if (it == policy_ids.end() || !policies[it->second].live) return;
  const PolicySlot &p = policies[it->second];
  if (same_policy_effect(p.rec, v)) return;
  add_policy_viewers(it->second, batch.affected);
  batch.stale_groups.insert(batch.stale_groups.end(), p.src.begin(), p.src.end());
  batch.stale_groups.insert(batch.stale_groups.end(), p.dst.begin(), p.dst.end());
}

void Compiler::State::plan(const Route &v) {
  auto it = route_ids.find(v.id);
  if (it == route_ids.end() || !routes[it->second].live) return;
  const RouteSlot &r = routes[it->second];
  if (same_route_effect(r.rec, v)) return;
  batch.route_changed = true;
  add_route_viewers(it->second, batch.affected);
  batch.stale_groups.insert(batch.stale_groups.end(), r.groups.begin(), r.groups.end());
  batch.stale_groups.insert(batch.stale_groups.end(), r.router_groups.begin(), r.router_groups.end());
}

void Compiler::State::plan(const DnsSettings &v) {
  if (to_json(v) != to_json(dns)) batch.global = true;
}

void Compiler::State::plan(const Account &v) {
  if (v.network != account.network) batch.global = true;
}

void Compiler::State::plan_remove(RecordKind kind, const std::string &id) {
  switch (kind) {
    case RecordKind::peer:
      if (Idx x = live_peer(id); x != kNoIdx) touch_peer(x);
      return;
    case RecordKind::group:
      if (auto it = group_ids.find(id); it != group_ids.end() && groups[it->second].live) {
        add_group_viewers(it->second, batch.affected);
        groups[it->second].members.for_each([&](Idx x) { touch_peer(x); });
      }
      return;
    case RecordKind::policy:
      if (auto it = policy_ids.find(id); it != policy_ids.end() && policies[it->second].live) {
        add_policy_viewers(it->second, batch.affected);
        const PolicySlot &p = policies[it->second];
        batch.stale_groups.insert(batch.stale_groups.end(), p.src.begin(), p.src.end());
        batch.stale_groups.insert(batch.stale_groups.end(), p.dst.begin(), p.dst.end());
      }
      return;
    case RecordKind::route:
      if (auto it = route_ids.find(id); it != route_ids.end() && routes[it->second].live) {
        batch.route_changed = true;
        add_route_viewers(it->second, batch.affected);
        const RouteSlot &r = routes[it->second];
        batch.stale_groups.insert(batch.stale_groups.end(), r.groups.begin(), r.groups.end());
        batch.stale_groups.insert(batch.stale_groups.end(), r.router_groups.begin(),
                                  r.router_groups.end());
      }
      return;
  }
}

// ---- mutate ----------------------------------------------------------------

void Compiler::State::mutate(const Peer &v) {
  auto it = peer_ids.find(v.id);
  Idx x;
  if (it == peer_ids.end()) {
    x = alloc(peers, free_peers);
    peer_ids.emplace(v.id, x);
    batch.born.set(x);
    batch.new_peers.push_back(x);
  } else {
    x = it->second;
  }
  PeerSlot &s = peers[x];
  if (s.live && !relevant_change(s, v)) {
    if (s.active && s.rec.login_expires_ms != v.login_expires_ms) {
      expiries.erase({s.rec.login_expires_ms, x});
      if (v.login_expires_ms > now_ms) expiries.insert({v.login_expires_ms, x});
    }
    s.rec = v;
    return;
  }
  if (s.live) {
    touch_peer(x);  // Views are still the old state's: this adds the old viewers.
    if (active_for(v) == s.active) {
      if (as_set(s.rec.groups) == as_set(v.groups)) update_entry(x, v);
      else regroup(x, v);
      return;
    }
    detach_peer(x);
  }
  std::erase(batch.dead_peers, x);
  s.live = true;
  s.rec = v;
  attach_peer(x);
}

void Compiler::State::mutate(const Group &v) {
  auto it = group_ids.find(v.id);
  if (it != group_ids.end() && groups[it->second].live) {
    groups[it->second].rec = v;
    groups[it->second].rec.peers.clear();
    return;
  }
  Idx g = it != group_ids.end() ? it->second : alloc(groups, free_groups);
  group_ids[v.id] = g;
  std::erase(batch.dead_groups, g);
  GroupSlot &gs = groups[g];
  gs.live = true;
  gs.rec = v;
  gs.rec.peers.clear();
  gs.all = v.id == all_group_id(account.id);
  if (gs.all) all_group = g;
  gs.members.clear();
  gs.ips_valid = false;
  for (Idx x = 0; x < peers.size(); ++x) {
    const PeerSlot &s = peers[x];
    if (!s.live) continue;
    if (gs.all || std::find(s.rec.groups.begin(), s.rec.groups.end(), v.id) != s.rec.groups.end()) {
      snapshot_peer(x);
      add_group_member(g, x);
      batch.touched.set(x);
    }
  }
  batch.touched_groups.push_back(g);
  batch.clear_profiles = true;
  refs_dirty = true;
}

void Compiler::State::mutate(const Policy &v) {
  auto it = policy_ids.find(v.id);
  if (it != policy_ids.end() && policies[it->second].live &&
      same_policy_effect(policies[it->second].rec, v)) {
    policies[it->second].rec = v;
    return;
  }
  Idx i = it != policy_ids.end() ? it->second : alloc(policies, free_policies);
  policy_ids[v.id] = i;
  std::erase(batch.dead_policies, i);
  PolicySlot &p = policies[i];
  p.live = true;
  p.rec = v;
  p.ports = normalize_ports(v.ports);
  batch.touched_policies.push_back(i);
  refs_dirty = true;
}

void Compiler::State::mutate(const Route &v) {
  auto it = route_ids.find(v.id);
  if (it != route_ids.end() && routes[it->second].live &&
      same_route_effect(routes[it->second].rec, v)) {
    routes[it->second].rec = v;
    return;
  }
  Idx i = it != route_ids.end() ? it->second : alloc(routes, free_routes);
  route_ids[v.id] = i;
  std::erase(batch.dead_routes, i);
  RouteSlot &r = routes[i];
  if (r.live && !r.rec.peer.empty()) std::erase(routes_by_router[r.rec.peer], i);
  r.live = true;
  r.rec = v;
  r.network = parse_prefix4(v.network).value_or(Prefix4{});
  if (!v.peer.empty()) routes_by_router[v.peer].push_back(i);
  batch.touched_routes.push_back(i);
  refs_dirty = true;
}

void Compiler::State::mutate(const DnsSettings &v) {
  dns = v;
  if (dns.domain.empty()) dns.domain = default_domain(account.id);
  for (Idx x = 0; x < peers.size(); ++x) {
    PeerSlot &s = peers[x];
    if (!s.live) continue;
    snapshot_peer(x);
    s.fqdn = s.rec.dns_label.empty() ? std::string() : make_fqdn(s.rec.dns_label, dns.domain);
    render_entry(x);
    batch.touched.set(x);
  }
}

void Compiler::State::mutate(const Account &v) {
  account = v;
  network = parse_prefix4(v.network).value_or(network);
  for (Idx x = 0; x < peers.size(); ++x) {
    if (!peers[x].live) continue;
    snapshot_peer(x);
    batch.touched.set(x);
  }
}

void Compiler::State::mutate_remove(RecordKind kind, const std::string &id) {
  switch (kind) {
    case RecordKind::peer: {
      Idx x = live_peer(id);
      if (x == kNoIdx) return;
      touch_peer(x);
      detach_peer(x);
      peers[x].live = false;
      batch.dead_peers.push_back(x);
      return;
    }
    case RecordKind::group: {
      auto it = group_ids.find(id);
      if (it == group_ids.end() || !groups[it->second].live) return;
      Idx g = it->second;
      snapshot_group(g);
      groups[g].members.for_each([&](Idx x) {
        std::erase(peers[x].groups, g);
        batch.touched.set(x);
      });
      groups[g].members.clear();
      groups[g].live = false;
      if (all_group == g) all_group = kNoIdx;
      batch.dead_groups.push_back(g);
      batch.clear_profiles = true;
      refs_dirty = true;
      return;
    }
    case RecordKind::policy: {
      auto it = policy_ids.find(id);
      if (it == policy_ids.end() || !policies[it->second].live) return;
      policies[it->second].live = false;
      batch.dead_policies.push_back(it->second);
      refs_dirty = true;
      return;
    }
    case RecordKind::route: {
      auto it = route_ids.find(id);
      if (it == route_ids.end() || !routes[it->second].live) return;
      RouteSlot &r = routes[it->second];
      if (!r.rec.peer.empty()) std::erase(routes_by_router[r.rec.peer], it->second);
      r.live = false;
      batch.dead_routes.push_back(it->second);
      refs_dirty = true;
      return;
    }
  }
}

}  // namespace trellis::mgmt
