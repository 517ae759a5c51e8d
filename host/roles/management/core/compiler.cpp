// SPDX-License-Identifier: Apache-2.0
// Compiler API (compiler.hpp) and the last phase of a batch: recompile the
// affected peers, write each one's delta once, share equal deltas, bump the
// serial, and release the slots the batch freed.
#include "compiler.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "compiler_state.hpp"
#include "dns_label.hpp"
#include "json_writer.hpp"
#include "validate.hpp"

namespace trellis::mgmt {

using namespace detail;

// ---- ChangeBatch -----------------------------------------------------------

ChangeBatch &ChangeBatch::upsert(Peer v) { ops_.emplace_back(std::move(v)); return *this; }
ChangeBatch &ChangeBatch::upsert(Group v) { ops_.emplace_back(std::move(v)); return *this; }
ChangeBatch &ChangeBatch::upsert(Policy v) { ops_.emplace_back(std::move(v)); return *this; }
ChangeBatch &ChangeBatch::upsert(Route v) { ops_.emplace_back(std::move(v)); return *this; }
ChangeBatch &ChangeBatch::set(DnsSettings v) { ops_.emplace_back(std::move(v)); return *this; }
ChangeBatch &ChangeBatch::set(Account v) { ops_.emplace_back(std::move(v)); return *this; }
ChangeBatch &ChangeBatch::remove_peer(std::string id) {
  ops_.emplace_back(Remove{Kind::peer, std::move(id)});
  return *this;
}
ChangeBatch &ChangeBatch::remove_group(std::string id) {
  ops_.emplace_back(Remove{Kind::group, std::move(id)});
  return *this;
}
ChangeBatch &ChangeBatch::remove_policy(std::string id) {
  ops_.emplace_back(Remove{Kind::policy, std::move(id)});
  return *this;
}
ChangeBatch &ChangeBatch::remove_route(std::string id) {
  ops_.emplace_back(Remove{Kind::route, std::move(id)});
  return *this;
}

// ---- batch: compile phase --------------------------------------------------

std::shared_ptr<const Profile> Compiler::State::make_empty_profile() const {
  auto part = std::make_shared<RulePart>();
  part->rules_json = "[]";
  part->dns_json = "{\"domain\":";
  append_json_string(part->dns_json, dns.domain);
  part->dns_json += ",\"nameservers\":[]}";
  auto pr = std::make_shared<Profile>();
  pr->part = std::move(part);
  return pr;
}

ChangeSet Compiler::State::compile_batch() {
  Batch &b = batch;
  if (refs_dirty) rebuild_refs();
  invalidate_profiles();
  if (b.global) {
    empty_profile = make_empty_profile();
    for (Idx x = 0; x < peers.size(); ++x) {
      if (peers[x].live) b.affected.set(x);
    }
  }
  // Viewers in the new state.
  for (Idx g : b.touched_groups) {
    if (groups[g].live) add_group_viewers(g, b.affected);
  }
  for (Idx p : b.touched_policies) {
    if (policies[p].live) add_policy_viewers(p, b.affected);
  }
  for (Idx r : b.touched_routes) {
    if (routes[r].live) add_route_viewers(r, b.affected);
  }

  PeerBits seen;
  std::vector<std::pair<Idx, View>> old_views;  // recompiled: their View before
  std::vector<Idx> unchanged;                   // View as before; entries or sets may differ
  const bool routes_changed = routes_dirty();
  auto visit = [&](Idx x) {
    if (!peers[x].live || seen.test(x)) return;
    seen.set(x);
    if (!needs_recompile(x, routes_changed)) {
      unchanged.push_back(x);
      return;
    }
    View v;
    compile_view(x, v);
    std::swap(v, peers[x].view);
    old_views.emplace_back(x, std::move(v));
  };
  // Touched peers first: whoever reaches them now must be looked at too.
  PeerBits more;
  b.touched.for_each([&](Idx x) {
    if (!peers[x].live) return;
    visit(x);
    more.set(x);
    more |= reach_of(x);
  });
  b.affected |= more;
  b.affected.for_each(visit);

  b.touched.for_each([&](Idx x) { b.touched_list.push_back(x); });
  for (const auto &[g, ips] : b.old_ips) b.dirty_sets.push_back(g);
  std::sort(b.dirty_sets.begin(), b.dirty_sets.end());

  ChangeSet cs;
  const uint64_t next = serial + 1;
  std::unordered_map<std::string_view, std::shared_ptr<const std::string>> shared;
  auto emit = [&](Idx x, const View &old) {
    PeerSlot &s = peers[x];
    std::string delta = write_delta(x, old, s.serial, next);
    if (delta.empty()) return;
    auto it = shared.find(delta);
    std::shared_ptr<const std::string> text;
    if (it != shared.end()) {
      text = it->second;
    } else {
      text = std::make_shared<const std::string>(std::move(delta));
      shared.emplace(*text, text);
    }
    cs.updates.push_back({s.rec.id, s.serial, next, std::move(text)});
    s.serial = next;
  };
  for (auto &[x, old] : old_views) {
    if (b.born.test(x)) {
      cs.added.push_back(peers[x].rec.id);
      peers[x].serial = next;
    } else {
      emit(x, old);
    }
  }
  for (Idx x : unchanged) emit(x, peers[x].view);
  for (Idx x : b.dead_peers) {
    if (!b.born.test(x)) cs.removed.push_back(peers[x].rec.id);
  }
  if (!cs.updates.empty() || !cs.added.empty() || !cs.removed.empty()) serial = next;
  cs.serial = serial;
  cs.examined = old_views.size() + unchanged.size();
  return cs;
}

// ---- Compiler --------------------------------------------------------------

Compiler::Compiler() : s_(std::make_unique<State>()) {}
Compiler::~Compiler() = default;

std::unique_ptr<Compiler> Compiler::create(AccountRecords records, int64_t now_ms,
                                           std::string &error) {
  if (const char *problem = check_id(records.account.id)) {
    error = std::string("account.id: ") + problem;
    return nullptr;
  }
  if (const char *problem = check_overlay_prefix(records.account.network)) {
    error = std::string("account.network: ") + problem;
    return nullptr;
  }
  if (records.dns.account.empty()) records.dns = make_default_dns(records.account.id);
  std::unique_ptr<Compiler> c(new Compiler());
  State &s = *c->s_;
  s.account = records.account;
  s.network = *parse_prefix4(records.account.network);
  s.now_ms = now_ms;
  ChangeBatch batch;
  batch.set(std::move(records.dns));
  for (Group &g : records.groups) batch.upsert(std::move(g));
  for (Policy &p : records.policies) batch.upsert(std::move(p));
  for (Route &r : records.routes) batch.upsert(std::move(r));
  for (Peer &p : records.peers) batch.upsert(std::move(p));
  ChangeSet cs = c->apply(batch);
  if (!cs.ok()) {
    error = cs.error;
    return nullptr;
  }
  s.serial = 1;
  for (PeerSlot &p : s.peers) {
    if (p.live) p.serial = 1;
  }
  return c;
}

ChangeSet Compiler::apply(const ChangeBatch &batch) {
  State &s = *s_;
  const std::string &account = s.account.id;
  // Refuse the whole batch before touching anything.
  for (const ChangeBatch::Op &op : batch.ops_) {
    std::string problem = std::visit(
        [&](const auto &v) -> std::string {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, ChangeBatch::Remove>) {
            return {};
          } else if constexpr (std::is_same_v<T, Account>) {
            if (v.id != account) return "account " + v.id + " is not " + account;
            if (const char *p = check_overlay_prefix(v.network)) return std::string("account.network: ") + p;
            return {};
          } else if constexpr (std::is_same_v<T, DnsSettings>) {
            if (v.account != account) return "dns settings of account " + v.account + ", not " + account;
            return {};
          } else {
            if (v.account != account) {
              return "record " + v.id + " belongs to account " + v.account + ", not " + account;
            }
            return {};
          }
        },
        op);
    if (!problem.empty()) {
      ChangeSet cs;
      cs.error = std::move(problem);
      cs.serial = s.serial;
      return cs;
    }
  }
  auto kind = [](ChangeBatch::Kind k) {
    switch (k) {
      case ChangeBatch::Kind::peer: return RecordKind::peer;
      case ChangeBatch::Kind::group: return RecordKind::group;
      case ChangeBatch::Kind::policy: return RecordKind::policy;
      case ChangeBatch::Kind::route: return RecordKind::route;
    }
    return RecordKind::peer;
  };
  if (s.refs_dirty) s.rebuild_refs();
  for (const ChangeBatch::Op &op : batch.ops_) {
    std::visit(
        [&](const auto &v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, ChangeBatch::Remove>) {
            s.plan_remove(kind(v.kind), v.id);
          } else {
            s.plan(v);
          }
        },
        op);
  }
  for (const ChangeBatch::Op &op : batch.ops_) {
    std::visit(
        [&](const auto &v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, ChangeBatch::Remove>) {
            s.mutate_remove(kind(v.kind), v.id);
          } else {
            s.mutate(v);
          }
        },
        op);
  }
  ChangeSet cs = s.compile_batch();
  s.finish_batch();
  return cs;
}

ChangeSet Compiler::advance_to(int64_t now_ms) {
  State &s = *s_;
  if (now_ms <= s.now_ms) {
    ChangeSet cs;
    cs.serial = s.serial;
    return cs;
  }
  std::vector<Idx> expiring;
  for (auto it = s.expiries.begin(); it != s.expiries.end() && it->first <= now_ms; ++it) {
    expiring.push_back(it->second);
  }
  if (s.refs_dirty) s.rebuild_refs();
  for (Idx x : expiring) s.touch_peer(x);
  s.now_ms = now_ms;
  for (Idx x : expiring) {
    s.detach_peer(x);
    s.attach_peer(x);
  }
  ChangeSet cs = s.compile_batch();
  s.finish_batch();
  return cs;
}

std::optional<int64_t> Compiler::next_deadline() const {
  if (s_->expiries.empty()) return std::nullopt;
  return s_->expiries.begin()->first;
}

uint64_t Compiler::serial() const { return s_->serial; }

bool Compiler::has_peer(std::string_view id) const {
  return s_->live_peer(std::string(id)) != kNoIdx;
}

std::optional<uint64_t> Compiler::map_serial(std::string_view peer_id) const {
  Idx x = s_->live_peer(std::string(peer_id));
  if (x == kNoIdx) return std::nullopt;
  return s_->peers[x].serial;
}

bool Compiler::write_map_json(std::string_view peer_id, std::string &out) const {
  Idx x = s_->live_peer(std::string(peer_id));
  if (x == kNoIdx) return false;
  s_->write_map(x, out);
  return true;
}

std::optional<std::string> Compiler::map_json(std::string_view peer_id) const {
  std::string out;
  if (!write_map_json(peer_id, out)) return std::nullopt;
  return out;
}

std::optional<PeerMap> Compiler::map(std::string_view peer_id) const {
  auto text = map_json(peer_id);
  if (!text) return std::nullopt;
  PeerMap m;
  if (!parse_map_text(*text, m).empty()) return std::nullopt;
  return m;
}

std::vector<std::string> Compiler::group_members(std::string_view group_id) const {
  std::vector<std::string> out;
  auto it = s_->group_ids.find(std::string(group_id));
  if (it == s_->group_ids.end() || !s_->groups[it->second].live) return out;
  s_->groups[it->second].members.for_each([&](Idx x) { out.push_back(s_->peers[x].rec.id); });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Compiler::peer_ids() const {
  std::vector<std::string> out;
  for (const PeerSlot &p : s_->peers) {
    if (p.live) out.push_back(p.rec.id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

CompilerStats Compiler::stats() const {
  CompilerStats st;
  std::vector<const Profile *> profiles;
  for (const PeerSlot &p : s_->peers) {
    if (!p.live) continue;
    ++st.peers;
    if (p.active) ++st.active_peers;
    profiles.push_back(p.view.profile.get());
  }
  std::sort(profiles.begin(), profiles.end());
  st.profiles = static_cast<size_t>(std::unique(profiles.begin(), profiles.end()) - profiles.begin());
  for (const GroupSlot &g : s_->groups) st.groups += g.live ? 1 : 0;
  for (const PolicySlot &p : s_->policies) st.policies += p.live ? 1 : 0;
  for (const RouteSlot &r : s_->routes) st.routes += r.live ? 1 : 0;
  return st;
}

}  // namespace trellis::mgmt
