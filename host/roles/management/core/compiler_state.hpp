// SPDX-License-Identifier: Apache-2.0
// The compiler's internal state (not installed; compiler.hpp is the interface).
//
// Records live in slots addressed by dense indexes (Idx): peers, groups,
// policies, routes. A slot freed by a removal is reused only after the batch
// that removed it, and removing then re-adding an id within one batch revives
// the same slot, so old and new state agree on every index during a batch.
//
// Per peer the compiled map is a View: a shared Profile (everything that depends
// only on the peer's set of groups: reach, and through its RulePart the rules,
// DNS, which routes it gets or serves), plus what depends on the peer itself
// (routes it serves by name, the route entries, its self object). Rendered JSON fragments are kept next to the
// data so a delta is a comparison of fragments and a full map a concatenation.
//
// A batch runs in three phases (compiler.cpp drives them):
//   plan     - which peers, groups, policies and routes the ops touch, and the
//              peers that see them in the old state ("viewers") (compiler_mutate.cpp);
//   mutate   - records and indexes change; the first mutation of a peer or of a
//              group's members snapshots its old entry / address list;
//   compile  - cached Profiles the batch may have changed are dropped; viewers
//              in the new state are added; every affected peer's View is
//              recompiled and compared with its old View (compiler_emit.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "compiler.hpp"
#include "ip.hpp"
#include "peer_bits.hpp"
#include "records.hpp"

namespace trellis::mgmt::detail {

using Idx = uint32_t;
inline constexpr Idx kNoIdx = UINT32_MAX;

struct Rule {
  Idx policy = kNoIdx;
  Direction dir = Direction::in;
  std::vector<Idx> sets;  // group indexes, sorted
  Protocol proto = Protocol::all;
  std::vector<PortRange> ports;
};

// What a group signature (a peer's set of groups) gets from policies, routes
// and DNS settings; independent of who is in which group. Immutable, shared.
struct RulePart {
  std::vector<Idx> reach_groups;    // groups whose active members it reaches
  std::vector<Idx> client_routes;   // enabled routes these groups get (routers reached), sorted
  std::vector<Idx> router_routes;   // enabled routes these groups serve, sorted
  std::vector<Idx> rule_sets;       // groups the rules name, sorted
  std::string rules_json;           // "[...]"
  std::string dns_json;             // "{...}"
};

// A RulePart plus the peers it reaches now. Immutable once built; shared by
// every active peer with the same signature.
struct Profile {
  std::shared_ptr<const RulePart> part;
  PeerBits reach;  // active peers, possibly including the peer itself
  // Set when the cache drops it: Views still holding it must be recompiled.
  mutable bool stale = false;
};

struct ClientRoute {
  Prefix4 network;
  std::vector<Idx> via;  // routers, preferred first
  friend bool operator==(const ClientRoute &, const ClientRoute &) = default;
};

struct ServeRoute {
  Prefix4 network;
  std::vector<Idx> sets;  // client groups
  friend bool operator==(const ServeRoute &, const ServeRoute &) = default;
};

struct View {
  std::shared_ptr<const Profile> profile;
  std::shared_ptr<const PeerBits> own_reach;  // clients of routes naming this peer as router
  std::vector<ClientRoute> routes;
  std::vector<ServeRoute> serve;
  std::vector<Idx> sets;     // every set the map carries: rule sets and serve sets, sorted
  std::string self_json;     // "{...}"
  std::string routes_json;   // "[...]"
  std::string serve_json;    // "[...]"
};

struct PeerSlot {
  bool live = false;
  Peer rec;
  Ipv4 ip;
  bool active = false;  // live, address and key valid, login not expired
  std::string fqdn;
  std::vector<Idx> groups;  // live groups it belongs to (the All group included), sorted
  View view;
  uint64_t serial = 0;
  std::string entry;        // {"id":..,"key":..,"ip":..[,"fqdn":..]   (no closing brace)
};

struct GroupSlot {
  bool live = false;
  Group rec;
  bool all = false;
  PeerBits members;                     // live members, active or not
  std::vector<Idx> src_of, dst_of;      // policies naming it
  std::vector<Idx> dist_of, router_of;  // routes naming it in groups / peer_groups
  // Caches, rebuilt on demand after the members or their addresses change.
  mutable std::vector<Ipv4> ips;        // sorted unique addresses of active members
  mutable std::string ips_json;         // "[...]"
  mutable bool ips_valid = false;
};

struct PolicySlot {
  bool live = false;
  Policy rec;
  std::vector<Idx> src, dst;     // live groups, sorted
  std::vector<PortRange> ports;  // sorted, merged
};

struct RouteSlot {
  bool live = false;
  Route rec;
  Prefix4 network;
  std::vector<Idx> groups;         // live distribution groups
  std::vector<Idx> router_groups;  // live peer_groups
};

// What a peer looked like before the batch (captured at its first mutation).
struct OldPeer {
  std::string id;
  std::string entry;
  std::string self_json;
};

struct VecHash {
  size_t operator()(const std::vector<Idx> &v) const {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ v.size();
    for (Idx i : v) h = (h ^ i) * 0x100000001b3ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

enum class RecordKind : uint8_t { peer, group, policy, route };

struct Batch {
  PeerBits affected;                          // peers to recompile
  PeerBits born;                              // peers created by this batch
  PeerBits touched;                           // peers whose record or activity changed
  std::vector<Idx> touched_groups, touched_policies, touched_routes;
  std::unordered_map<Idx, OldPeer> old_peers;
  std::unordered_map<Idx, std::vector<Ipv4>> old_ips;  // groups whose members changed
  std::unordered_map<Idx, std::string> set_diffs;      // rendered old_ips -> now, "" if equal
  std::vector<Idx> new_peers, dead_peers, dead_groups, dead_policies, dead_routes;
  bool global = false;  // DNS or account changed: every peer is affected
  // Profile cache invalidation: groups whose member set changed, groups named
  // by a policy or route in its old version, or everything.
  std::vector<Idx> member_dirty;
  std::vector<Idx> stale_groups;
  bool clear_profiles = false;
  bool route_changed = false;  // a route was changed or removed
  // For Views that stay as they were (compile phase): the touched peers and the
  // groups whose address lists changed, sorted.
  std::vector<Idx> touched_list;
  std::vector<Idx> dirty_sets;
};

}  // namespace trellis::mgmt::detail

namespace trellis::mgmt {

struct Compiler::State {
  using Idx = detail::Idx;

  Account account;
  Prefix4 network;
  DnsSettings dns;
  int64_t now_ms = 0;
  uint64_t serial = 0;

  std::vector<detail::PeerSlot> peers;
  std::unordered_map<std::string, Idx> peer_ids;
  std::vector<Idx> free_peers;
  PeerBits active;  // active peers

  std::vector<detail::GroupSlot> groups;
  std::unordered_map<std::string, Idx> group_ids;
  std::vector<Idx> free_groups;
  Idx all_group = detail::kNoIdx;  // the live All group, if its record exists

  std::vector<detail::PolicySlot> policies;
  std::unordered_map<std::string, Idx> policy_ids;
  std::vector<Idx> free_policies;

  std::vector<detail::RouteSlot> routes;
  std::unordered_map<std::string, Idx> route_ids;
  std::vector<Idx> free_routes;
  std::unordered_map<std::string, std::vector<Idx>> routes_by_router;  // route.peer -> routes

  std::set<std::pair<int64_t, Idx>> expiries;  // active peers' future login expiries

  // By group signature, kept across batches; compile_batch() drops what a batch
  // can have changed (invalidate_profiles): rule parts when policies, routes,
  // groups or DNS change, profiles also when members of a group they reach do.
  std::unordered_map<std::vector<Idx>, std::shared_ptr<const detail::RulePart>, detail::VecHash>
      rule_cache;
  std::unordered_map<std::vector<Idx>, std::shared_ptr<const detail::Profile>, detail::VecHash>
      profile_cache;
  std::shared_ptr<const detail::Profile> empty_profile;

  detail::Batch batch;
  bool refs_dirty = false;  // groups' policy/route back-references need a rebuild

  // ---- compiler_mutate.cpp: plan and mutate ----
  Idx live_peer(const std::string &id) const;  // kNoIdx unless live
  bool active_for(const Peer &rec) const;
  bool router_candidate(const detail::PeerSlot &s, const Peer &rec) const;
  // Whether replacing the peer's record with `rec` can change any map.
  bool relevant_change(const detail::PeerSlot &s, const Peer &rec) const;
  // Marks the peer touched and adds its old-state viewers (itself and its reach).
  void touch_peer(Idx x);
  void snapshot_peer(Idx x);
  void snapshot_group(Idx g);
  void detach_peer(Idx x);
  void attach_peer(Idx x);
  void add_group_member(Idx g, Idx x);
  // A change of key, address, label or expiry that keeps groups and activity.
  void update_entry(Idx x, const Peer &v);
  // Same activity, other groups: memberships move by difference, then update_entry.
  void regroup(Idx x, const Peer &v);
  // The live groups a record names, the All group included, sorted.
  std::vector<Idx> resolve_groups(const Peer &rec) const;

  void plan(const Peer &v);
  void plan(const Group &v);
  void plan(const Policy &v);
  void plan(const Route &v);
  void plan(const DnsSettings &v);
  void plan(const Account &v);
  void plan_remove(detail::RecordKind kind, const std::string &id);
  void mutate(const Peer &v);
  void mutate(const Group &v);
  void mutate(const Policy &v);
  void mutate(const Route &v);
  void mutate(const DnsSettings &v);
  void mutate(const Account &v);
  void mutate_remove(detail::RecordKind kind, const std::string &id);

  // ---- compiler.cpp: the compile phase ----
  ChangeSet compile_batch();
  void finish_batch();
  std::shared_ptr<const detail::Profile> make_empty_profile() const;

  // ---- compiler_deps.cpp: dependencies ----
  void rebuild_refs();
  void invalidate_profiles();
  // Whether an affected peer's View can differ from a recompiled one, or only
  // its peers' entries and its sets' contents can have changed.
  bool needs_recompile(Idx x, bool routes_dirty) const;
  // Whether the batch can have changed any peer's route entries or served routes.
  bool routes_dirty() const;

  // ---- compiler_view.cpp ----
  std::shared_ptr<const detail::RulePart> rule_part_for(const std::vector<Idx> &signature);
  std::shared_ptr<const detail::Profile> profile_for(const std::vector<Idx> &signature);
  void compile_view(Idx p, detail::View &out);
  // The peer's reach in its current View, itself excluded.
  PeerBits reach_of(Idx p) const;
  // Live members of the groups, active or not: callers mask with `active`
  // where it matters (viewer sets may be larger than needed).
  void add_members(const std::vector<Idx> &groups, PeerBits &out) const;
  // Active routers of a route.
  void add_routers(const detail::RouteSlot &r, PeerBits &out) const;
  // Peers that see a group, a policy or a route in the current state.
  void add_group_viewers(Idx g, PeerBits &out) const;
  void add_policy_viewers(Idx pol, PeerBits &out) const;
  void add_route_viewers(Idx r, PeerBits &out) const;
  const std::vector<Ipv4> &group_ips(Idx g) const;
  const std::string &group_ips_json(Idx g) const;

  // ---- compiler_emit.cpp ----
  void render_entry(Idx p);
  std::string render_self(Idx p) const;
  void write_map(Idx p, std::string &out) const;
  // Delta JSON from `old` to the peer's current View; "" when nothing changed.
  // `old` may be the current View itself: then only entries and sets can differ.
  std::string write_delta(Idx p, const detail::View &old, uint64_t base, uint64_t serial);
  // The "add"/"del" diff of a group's addresses in this batch, "" if none.
  const std::string &set_diff(Idx g);
};

}  // namespace trellis::mgmt
