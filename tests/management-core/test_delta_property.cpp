// SPDX-License-Identifier: Apache-2.0
// Property test of the incremental compiler: for many seeds, apply random
// batches of changes (peers joining, leaving, moving between groups, rotating
// keys, changing address or label, going offline, logins expiring; groups,
// policies, routes and DNS appearing, changing and vanishing) and after every
// batch check that each peer's map, built by applying the deltas the compiler
// sent to the map that peer had, equals the map a fresh compiler computes from
// the same records. Bounded: fixed seeds and step counts.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "fixtures.hpp"

using namespace trellis::mgmt;

namespace {

class World {
 public:
  explicit World(uint64_t seed) : rng_(seed) {
    AccountRecords r = fx::account(true);
    account_ = r.account;
    dns_ = r.dns;
    groups_[fx::all()] = r.groups[0];
    policies_[r.policies[0].id] = r.policies[0];
    for (int i = 0; i < 4; ++i) add_group();
    for (int i = 0; i < 12; ++i) add_peer();
  }

  AccountRecords records() const {
    AccountRecords r;
    r.account = account_;
    r.dns = dns_;
    for (const auto &[id, g] : groups_) r.groups.push_back(g);
    for (const auto &[id, p] : policies_) r.policies.push_back(p);
    for (const auto &[id, x] : routes_) r.routes.push_back(x);
    for (const auto &[id, p] : peers_) r.peers.push_back(p);
    return r;
  }

  int64_t now() const { return now_; }

  // One random change, recorded both in the truth and in the batch.
  void random_change(ChangeBatch &b) {
    switch (pick(16)) {
      case 0: case 1: b.upsert(add_peer()); break;
      case 2: if (auto id = any_peer()) { peers_.erase(*id); b.remove_peer(*id); } break;
      case 3: case 4: if (auto id = any_peer()) { peers_[*id].groups = some_groups(); b.upsert(peers_[*id]); } break;
      case 5: if (auto id = any_peer()) { mutate_peer(peers_[*id]); b.upsert(peers_[*id]); } break;
      case 6: if (auto id = any_peer()) { peers_[*id].online = !peers_[*id].online; b.upsert(peers_[*id]); } break;
      case 7: if (auto id = any_peer()) {
          peers_[*id].login_expires_ms = pick(3) == 0 ? 0 : now_ + static_cast<int64_t>(pick(4000)) - 1000;
          b.upsert(peers_[*id]);
        } break;
      case 8: if (pick(3) == 0 && groups_.size() > 2) {
          auto it = std::next(groups_.begin(), static_cast<long>(pick(groups_.size())));
          std::string id = it->first;
          groups_.erase(it);
          b.remove_group(id);
        } else {
          b.upsert(add_group());
        } break;
      case 9: case 10: b.upsert(upsert_policy()); break;
      case 11: if (policies_.size() > 1 && pick(2) == 0) {
          auto it = std::next(policies_.begin(), static_cast<long>(pick(policies_.size())));
          std::string id = it->first;
          policies_.erase(it);
          b.remove_policy(id);
        } else {
          Policy &d = policies_[default_policy_id(fx::kAccount)];
          if (d.id.empty()) d = make_default_policy(fx::kAccount);
          d.enabled = !d.enabled;
          b.upsert(d);
        } break;
      case 12: case 13: if (!routes_.empty() && pick(3) == 0) {
          std::string id = routes_.begin()->first;
          routes_.erase(routes_.begin());
          b.remove_route(id);
        } else if (auto r = upsert_route()) {
          b.upsert(*r);
        } break;
      case 14: {
        dns_.domain = pick(2) ? "acme.trellis" : "corp.trellis";
        dns_.nameserver_groups.clear();
        if (pick(2)) {
          dns_.nameserver_groups.push_back({"ns", "NS", {{"198.51.100.53", 53}}, {"corp.example"},
                                            some_groups(), false, pick(4) != 0});
        }
        b.set(dns_);
      } break;
      default: if (auto id = any_peer()) { peers_[*id].last_seen_ms = now_; b.upsert(peers_[*id]); } break;
    }
  }

  int64_t advance() {
    now_ += static_cast<int64_t>(pick(1500));
    return now_;
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::optional<std::string> any_peer() {
    if (peers_.empty()) return std::nullopt;
    return std::next(peers_.begin(), static_cast<long>(pick(peers_.size())))->first;
  }

  std::vector<std::string> some_groups() {
    std::vector<std::string> out;
    for (const auto &[id, g] : groups_) {
      if (id != fx::all() && pick(3) == 0) out.push_back(id);
    }
    if (pick(8) == 0) out.push_back("ghost");  // a group no record defines
    return out;
  }

  Peer add_peer() {
    uint32_t n = next_peer_++;
    Peer p = fx::peer("p" + std::to_string(n), n, some_groups());
    p.online = pick(4) != 0;
    peers_[p.id] = p;
    return p;
  }

  void mutate_peer(Peer &p) {
    switch (pick(3)) {
      case 0: p.public_key = fx::key_for(10'000 + next_peer_++); break;
      case 1: p.ip = fx::ip_for(20'000 + next_peer_++); break;
      default:
        p.dns_label = pick(3) ? "h" + std::to_string(next_peer_++) : "";
        p.fqdn = p.dns_label.empty() ? "" : p.dns_label + ".x";
        break;
    }
  }

  Group add_group() {
    // Ids are reused after deletion, so "re-created" groups are exercised too.
    Group g = fx::group("g" + std::to_string(pick(7)));
    groups_[g.id] = g;
    return g;
  }

  std::string any_group_id() {
    if (pick(6) == 0) return "ghost";
    return std::next(groups_.begin(), static_cast<long>(pick(groups_.size())))->first;
  }

  Policy upsert_policy() {
    std::string id = "pol" + std::to_string(pick(6));
    Protocol proto = static_cast<Protocol>(pick(4));
    std::vector<PortRange> ports;
    if (proto == Protocol::tcp || proto == Protocol::udp) {
      for (size_t i = pick(3); i > 0; --i) {
        uint16_t a = static_cast<uint16_t>(1 + pick(1000));
        ports.push_back({a, static_cast<uint16_t>(a + pick(50))});
      }
    }
    Policy p = fx::policy(id, {any_group_id()}, {any_group_id()}, proto, ports, pick(2) == 0,
                          pick(5) != 0);
    if (pick(3) == 0) p.sources.push_back(any_group_id());
    std::sort(p.sources.begin(), p.sources.end());
    p.sources.erase(std::unique(p.sources.begin(), p.sources.end()), p.sources.end());
    policies_[id] = p;
    return p;
  }

  std::optional<Route> upsert_route() {
    std::string id = "r" + std::to_string(pick(4));
    const char *nets[] = {"198.18.0.0/24", "198.18.1.0/24", "0.0.0.0/0"};
    Route r;
    if (pick(2) == 0) {
      auto router = any_peer();
      if (!router) return std::nullopt;
      r = fx::route_via_peer(id, nets[pick(3)], *router, {any_group_id()}, static_cast<int64_t>(1 + pick(3)));
    } else {
      r = fx::route_via_groups(id, nets[pick(3)], {any_group_id()}, {any_group_id()},
                               static_cast<int64_t>(1 + pick(3)));
    }
    r.enabled = pick(6) != 0;
    routes_[id] = r;
    return r;
  }

  std::mt19937_64 rng_;
  int64_t now_ = 1'000'000;
  uint32_t next_peer_ = 1;
  Account account_;
  DnsSettings dns_;
  std::map<std::string, Group> groups_;
  std::map<std::string, Policy> policies_;
  std::map<std::string, Route> routes_;
  std::map<std::string, Peer> peers_;
};

}  // namespace

TEST_CASE("applying every delta gives the freshly compiled maps", "[delta][property]") {
  constexpr uint64_t kSeeds = 60;
  constexpr int kSteps = 60;
  size_t deltas = 0, batches = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    World world(seed);
    auto compiler = fx::compile(world.records(), world.now());
    std::map<std::string, PeerMap> agents;
    for (const std::string &id : compiler->peer_ids()) agents[id] = *compiler->map(id);
    uint64_t serial = compiler->serial();

    for (int step = 0; step < kSteps; ++step) {
      INFO("seed " << seed << " step " << step);
      ChangeSet cs;
      if (step % 7 == 6) {
        cs = compiler->advance_to(world.advance());
      } else {
        ChangeBatch batch;
        for (int n = 1 + step % 3; n > 0; --n) world.random_change(batch);
        cs = compiler->apply(batch);
      }
      ++batches;
      REQUIRE(cs.ok());
      REQUIRE(cs.serial >= serial);
      serial = cs.serial;
      for (const PeerUpdate &u : cs.updates) {
        INFO("delta for " << u.peer << ": " << *u.delta);
        MapDelta d;
        REQUIRE(parse_delta_text(*u.delta, d) == "");
        REQUIRE(agents.count(u.peer));
        REQUIRE(apply_delta(agents[u.peer], d) == "");
        ++deltas;
      }
      for (const std::string &id : cs.removed) agents.erase(id);
      for (const std::string &id : cs.added) agents[id] = *compiler->map(id);

      auto fresh = fx::compile(world.records(), world.now());
      REQUIRE(compiler->peer_ids() == fresh->peer_ids());
      REQUIRE(agents.size() == fresh->peer_ids().size());
      for (const auto &[id, have] : agents) {
        INFO("peer " << id);
        auto want = fresh->map(id);
        REQUIRE(want);
        if (!have.same_content(*want)) {
          FAIL_CHECK("incremental: " << *compiler->map_json(id) << "\nfresh: " << *fresh->map_json(id)
                                     << "\nagent: " << to_json(have).dump());
        }
        REQUIRE(have.serial == *compiler->map_serial(id));
      }
      REQUIRE(compiler->next_deadline() == fresh->next_deadline());
    }
  }
  INFO(batches << " batches, " << deltas << " deltas");
  CHECK(deltas > 1000);
}
