// SPDX-License-Identifier: Apache-2.0
// Deltas for single changes: which peers get one, what it holds, that peers
// with the same change share one serialised string, that changes which cannot
// alter a map (last_seen, a non-router's online flag, renames) produce nothing,
// and that serials grow and chain (each delta's base is the peer's last serial).
// Also the agent side: apply_delta refuses a wrong base or a delta that does
// not fit, and leaves the map unchanged when it does.
#include <catch2/catch.hpp>

#include <map>

#include "fixtures.hpp"

using namespace trellis::mgmt;

namespace {

struct Agents {
  std::map<std::string, PeerMap> maps;

  void load(const Compiler &c) {
    for (const std::string &id : c.peer_ids()) maps[id] = *c.map(id);
  }
  // Applies a change set as agents would; checks every map against the compiler.
  void apply(const Compiler &c, const ChangeSet &cs) {
    REQUIRE(cs.ok());
    for (const PeerUpdate &u : cs.updates) {
      MapDelta d;
      REQUIRE(parse_delta_text(*u.delta, d) == "");
      CHECK(d.base == u.base);
      CHECK(d.serial == u.serial);
      REQUIRE(apply_delta(maps.at(u.peer), d) == "");
    }
    for (const std::string &id : cs.added) maps[id] = *c.map(id);
    for (const std::string &id : cs.removed) maps.erase(id);
    REQUIRE(maps.size() == c.peer_ids().size());
    for (const auto &[id, m] : maps) {
      INFO("peer " << id);
      auto fresh = c.map(id);
      REQUIRE(fresh);
      CHECK(m.same_content(*fresh));
      CHECK(m.serial == *c.map_serial(id));
    }
  }
};

AccountRecords mesh(int n) {
  AccountRecords r = fx::account(true);
  r.groups.push_back(fx::group("devs"));
  for (int i = 1; i <= n; ++i) {
    r.peers.push_back(fx::peer("p" + std::to_string(i), static_cast<uint32_t>(i),
                               i % 2 ? std::vector<std::string>{"devs"} : std::vector<std::string>{}));
  }
  return r;
}

}  // namespace

TEST_CASE("a rotated key reaches every viewer as one shared small delta", "[delta]") {
  AccountRecords r = mesh(200);
  auto c = fx::compile(r);
  Agents agents;
  agents.load(*c);
  const uint64_t before = c->serial();
  std::string full;
  REQUIRE(c->write_map_json("p1", full));

  Peer p7 = r.peers[6];
  p7.public_key = fx::key_for(1000);
  ChangeSet cs = c->apply(ChangeBatch().upsert(p7));
  REQUIRE(cs.ok());
  CHECK(cs.serial == before + 1);
  CHECK(cs.updates.size() == 199);  // p7's own map does not show its key
  CHECK(cs.added.empty());
  CHECK(cs.removed.empty());
  for (const PeerUpdate &u : cs.updates) {
    CHECK(u.peer != "p7");
    CHECK(u.delta == cs.updates[0].delta);  // one string for all
    CHECK(u.base == before);
  }
  MapDelta d;
  REQUIRE(parse_delta_text(*cs.updates[0].delta, d) == "");
  REQUIRE(d.upd.size() == 1);
  CHECK(d.upd[0].key == fx::key_for(1000));
  CHECK(d.add.empty());
  CHECK(d.del.empty());
  CHECK(d.sets.empty());
  CHECK_FALSE(d.rules);
  CHECK(cs.updates[0].delta->size() * 100 < full.size());  // under 1% of a full map
  agents.apply(*c, cs);
}

TEST_CASE("changes that cannot alter a map produce no deltas", "[delta]") {
  AccountRecords r = mesh(10);
  r.policies.push_back(fx::policy("ssh", {"devs"}, {"devs"}, Protocol::tcp, {{22, 22}}));
  auto c = fx::compile(r);
  const uint64_t serial = c->serial();
  Peer p = r.peers[2];
  p.last_seen_ms = 123456;
  p.online = !p.online;  // not a router: nobody's map depends on it
  p.meta.version = "9.9";
  p.name = "renamed";
  Group g = fx::group("devs");
  g.name = "Developers";
  Policy pol = r.policies.back();
  pol.name = "SSH";
  pol.description = "renamed";
  pol.ports = {{22, 22}};
  ChangeSet cs = c->apply(ChangeBatch().upsert(p).upsert(g).upsert(pol));
  REQUIRE(cs.ok());
  CHECK(cs.updates.empty());
  CHECK(cs.serial == serial);
  CHECK(c->serial() == serial);
}

TEST_CASE("adding and removing a peer", "[delta]") {
  AccountRecords r = mesh(20);
  auto c = fx::compile(r);
  Agents agents;
  agents.load(*c);
  Peer fresh = fx::peer("new", 100, {"devs"});
  ChangeSet add = c->apply(ChangeBatch().upsert(fresh));
  REQUIRE(add.ok());
  CHECK(add.added == std::vector<std::string>{"new"});
  CHECK(add.updates.size() == 20);
  MapDelta d;
  REQUIRE(parse_delta_text(*add.updates[0].delta, d) == "");
  REQUIRE(d.add.size() == 1);
  CHECK(d.add[0].id == "new");
  // Every viewer's "All" set gains the address; the devs set only where a rule names it.
  CHECK(d.sets.at(fx::all()).add == std::vector<Ipv4>{*parse_ipv4(fx::ip_for(100))});
  agents.apply(*c, add);
  CHECK(*c->map_serial("new") == add.serial);

  ChangeSet rm = c->apply(ChangeBatch().remove_peer("p3"));
  REQUIRE(rm.ok());
  CHECK(rm.removed == std::vector<std::string>{"p3"});
  CHECK(rm.updates.size() == 20);
  REQUIRE(parse_delta_text(*rm.updates[0].delta, d) == "");
  CHECK(d.del == std::vector<std::string>{"p3"});
  CHECK(d.sets.at(fx::all()).del == std::vector<Ipv4>{*parse_ipv4(fx::ip_for(3))});
  agents.apply(*c, rm);
  CHECK_FALSE(c->has_peer("p3"));
  CHECK_FALSE(c->map("p3"));

  // Remove and re-add in one batch is an update; the freed slot is reused later.
  Peer p4 = r.peers[3];
  p4.ip = fx::ip_for(200);
  ChangeSet both = c->apply(ChangeBatch().remove_peer("p4").upsert(p4));
  REQUIRE(both.ok());
  CHECK(both.added.empty());
  CHECK(both.removed.empty());
  agents.apply(*c, both);
  agents.apply(*c, c->apply(ChangeBatch().upsert(fx::peer("newer", 300))));
}

TEST_CASE("group membership and policy changes touch only the peers concerned", "[delta]") {
  AccountRecords r = fx::account(false);
  for (const char *g : {"devs", "servers", "db", "other"}) r.groups.push_back(fx::group(g));
  r.policies = {fx::policy("ssh", {"devs"}, {"servers"}, Protocol::tcp, {{22, 22}})};
  for (int i = 1; i <= 30; ++i) {
    const char *g = i <= 10 ? "devs" : i <= 20 ? "servers" : "other";
    r.peers.push_back(fx::peer("p" + std::to_string(i), static_cast<uint32_t>(i), {g}));
  }
  auto c = fx::compile(r);
  Agents agents;
  agents.load(*c);

  // p21 ("other") joins devs: it and the ten servers change; the other devs do not.
  Peer p21 = r.peers[20];
  p21.groups = {"other", "devs"};
  ChangeSet join = c->apply(ChangeBatch().upsert(p21));
  REQUIRE(join.ok());
  std::set<std::string> touched;
  for (const PeerUpdate &u : join.updates) touched.insert(u.peer);
  CHECK(touched.size() == 11);
  CHECK(touched.count("p21"));
  CHECK(touched.count("p11"));
  CHECK_FALSE(touched.count("p1"));
  agents.apply(*c, join);

  // Port change: every dev and server gets new rules, nobody else.
  Policy ssh = r.policies[0];
  ssh.ports = {{22, 22}, {2222, 2222}};
  ChangeSet ports = c->apply(ChangeBatch().upsert(ssh));
  CHECK(ports.updates.size() == 21);
  MapDelta d;
  REQUIRE(parse_delta_text(*ports.updates[0].delta, d) == "");
  CHECK(d.rules);
  CHECK(d.add.empty());
  agents.apply(*c, ports);

  // A new group that peers already name, and a policy using it.
  ChangeBatch b;
  b.upsert(fx::group("late"));
  b.upsert(fx::policy("late-db", {"late"}, {"db"}));
  Peer p30 = r.peers[29];
  p30.groups = {"other", "late"};
  b.upsert(p30);
  agents.apply(*c, c->apply(b));
  agents.apply(*c, c->apply(ChangeBatch().remove_group("servers")));
  agents.apply(*c, c->apply(ChangeBatch().remove_policy("ssh")));
}

TEST_CASE("serials grow and deltas chain", "[delta]") {
  AccountRecords r = mesh(6);
  auto c = fx::compile(r);
  Agents agents;
  agents.load(*c);
  uint64_t last = c->serial();
  for (int i = 0; i < 5; ++i) {
    Peer p = r.peers[static_cast<size_t>(i)];
    p.ip = fx::ip_for(static_cast<uint32_t>(50 + i));
    ChangeSet cs = c->apply(ChangeBatch().upsert(p));
    CHECK(cs.serial == last + 1);
    last = cs.serial;
    agents.apply(*c, cs);
  }
}

TEST_CASE("a new account network reaches every peer's self", "[delta]") {
  AccountRecords r = mesh(4);
  auto c = fx::compile(r);
  Agents agents;
  agents.load(*c);
  Account a = r.account;
  a.name = "Renamed only";
  CHECK(c->apply(ChangeBatch().set(a)).updates.empty());
  a.network = "100.64.0.0/16";
  ChangeSet cs = c->apply(ChangeBatch().set(a));
  CHECK(cs.updates.size() == 4);
  agents.apply(*c, cs);
  CHECK(format(agents.maps.at("p1").self.network) == "100.64.0.0/16");
  a.network = "198.18.0.0/16";
  CHECK(c->apply(ChangeBatch().set(a)).error.find("account.network") != std::string::npos);
}

TEST_CASE("a batch for another account is refused whole", "[delta]") {
  auto c = fx::compile(mesh(4));
  const uint64_t serial = c->serial();
  Peer stranger = fx::peer("s", 9);
  stranger.account = "other";
  ChangeSet cs = c->apply(ChangeBatch().upsert(fx::peer("ok", 8)).upsert(stranger));
  CHECK_FALSE(cs.ok());
  CHECK(cs.error.find("belongs to account other") != std::string::npos);
  CHECK(c->serial() == serial);
  CHECK_FALSE(c->has_peer("ok"));
  std::string error;
  AccountRecords bad = mesh(1);
  bad.account.network = "198.18.0.0/15";
  CHECK_FALSE(Compiler::create(bad, 0, error));
  CHECK(error.find("account.network") != std::string::npos);
}

TEST_CASE("the agent refuses deltas that do not fit", "[delta]") {
  auto c = fx::compile(mesh(3));
  PeerMap m = *c->map("p1");
  const PeerMap original = m;
  auto refused = [&](MapDelta d, const char *why) {
    INFO(why);
    std::string err = apply_delta(m, d);
    CHECK(err.find(why) != std::string::npos);
    CHECK(m == original);
  };
  MapDelta d;
  d.base = m.serial + 1;
  d.serial = m.serial + 2;
  refused(d, "resync");
  d.base = m.serial;
  d.del = {"nobody"};
  refused(d, "deletes unknown peer nobody");
  d.del.clear();
  d.add = {*m.find_peer("p2")};
  refused(d, "adds present peer p2");
  d.add.clear();
  d.upd = {MapPeer{"ghost", fx::key_for(1), {}, "", {}}};
  refused(d, "updates unknown peer ghost");
  d.upd.clear();
  d.sets["nope"].remove = true;
  refused(d, "removes unknown set nope");
  d.sets.clear();
  d.sets[fx::all()].add = {*parse_ipv4(fx::ip_for(2))};
  refused(d, "already in set");
  d.sets.clear();
  d.sets[fx::all()].del = {*parse_ipv4("100.64.9.9")};
  refused(d, "absent from set");

  MapDelta bad;
  CHECK(parse_delta_text(R"({"v":1,"serial":3,"base":3})", bad).find("base") != std::string::npos);
  CHECK(parse_delta_text(R"({"v":2,"serial":3,"base":1})", bad).find("delta.v") != std::string::npos);
  CHECK(parse_delta_text(R"({"v":1,"serial":3,"base":1,"extra":1})", bad).find("unknown field") !=
        std::string::npos);
  CHECK(parse_map_text("{}", m).find("map.v: required") != std::string::npos);
}

TEST_CASE("maps survive a round trip through the reference JSON writer", "[delta]") {
  AccountRecords r = mesh(5);
  r.routes = {fx::route_via_peer("lan", "198.18.0.0/24", "p2", {"devs"})};
  r.policies.push_back(fx::policy("web", {"devs"}, {fx::all()}, Protocol::tcp, {{80, 80}, {443, 443}}));
  r.dns.nameserver_groups.push_back({"ns", "NS", {{"198.51.100.53", 53}}, {}, {"devs"}, true, true});
  auto c = fx::compile(r);
  for (const std::string &id : c->peer_ids()) {
    PeerMap m = *c->map(id);
    PeerMap back;
    REQUIRE(parse_map(to_json(m), back) == "");
    CHECK(back == m);
  }
}
