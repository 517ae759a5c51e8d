// SPDX-License-Identifier: Apache-2.0
// Network-map compiler, table-driven: the default policy on and off, one-way
// and bidirectional policies, ports and ranges, protocols, disabled policies,
// peers in several groups, empty and unknown groups; then routes (single
// router, HA by metric and by online state, router groups), DNS, and login
// expiry. Each case compiles an account and checks who reaches whom and the
// exact rules every peer gets.
#include <catch2/catch.hpp>

#include <map>

#include "fixtures.hpp"

using namespace trellis::mgmt;
using fx::all;

namespace {

struct Expect {
  std::set<std::string> reach;
  std::vector<std::string> rules;
};

struct Case {
  const char *name;
  bool default_policy;
  std::vector<std::string> groups;
  std::vector<Policy> policies;
  std::vector<std::pair<std::string, std::vector<std::string>>> peers;  // id, groups
  std::map<std::string, Expect> expect;
};

AccountRecords build(const Case &c) {
  AccountRecords r = fx::account(c.default_policy);
  for (const std::string &g : c.groups) r.groups.push_back(fx::group(g));
  for (const Policy &p : c.policies) r.policies.push_back(p);
  uint32_t n = 1;
  for (const auto &[id, gs] : c.peers) r.peers.push_back(fx::peer(id, n++, gs));
  return r;
}

}  // namespace

TEST_CASE("policies compile to reachability and rules", "[compiler]") {
  const std::string A = all();
  Policy disabled_default = make_default_policy(fx::kAccount);
  disabled_default.enabled = false;
  const std::vector<Case> cases = {
      {"default policy on: full mesh",
       true, {}, {}, {{"a", {}}, {"b", {}}, {"c", {}}},
       {{"a", {{"b", "c"}, {"acme:default:in:" + A + ":all:", "acme:default:out:" + A + ":all:"}}},
        {"c", {{"a", "b"}, {"acme:default:in:" + A + ":all:", "acme:default:out:" + A + ":all:"}}}}},
      {"default policy disabled: nobody",
       false, {}, {disabled_default}, {{"a", {}}, {"b", {}}},
       {{"a", {{}, {}}}, {"b", {{}, {}}}}},
      {"one-way tcp 22",
       false, {"devs", "servers"},
       {fx::policy("ssh", {"devs"}, {"servers"}, Protocol::tcp, {{22, 22}})},
       {{"d1", {"devs"}}, {"s1", {"servers"}}, {"x", {}}},
       {{"d1", {{"s1"}, {"ssh:out:servers:tcp:22-22"}}},
        {"s1", {{"d1"}, {"ssh:in:devs:tcp:22-22"}}},
        {"x", {{}, {}}}}},
      {"bidirectional udp 53",
       false, {"devs", "servers"},
       {fx::policy("dns", {"devs"}, {"servers"}, Protocol::udp, {{53, 53}}, true)},
       {{"d1", {"devs"}}, {"s1", {"servers"}}},
       {{"d1", {{"s1"}, {"dns:in:servers:udp:53-53", "dns:out:servers:udp:53-53"}}},
        {"s1", {{"d1"}, {"dns:in:devs:udp:53-53", "dns:out:devs:udp:53-53"}}}}},
      {"ports and ranges are sorted and merged",
       false, {"devs", "servers"},
       {fx::policy("web", {"devs"}, {"servers"}, Protocol::tcp,
                   {{8000, 8080}, {22, 22}, {8080, 8090}, {443, 443}, {23, 23}})},
       {{"d1", {"devs"}}, {"s1", {"servers"}}},
       {{"s1", {{"d1"}, {"web:in:devs:tcp:22-23,443-443,8000-8090"}}}}},
      {"icmp only",
       false, {"devs", "servers"}, {fx::policy("ping", {"devs"}, {"servers"}, Protocol::icmp)},
       {{"d1", {"devs"}}, {"s1", {"servers"}}},
       {{"d1", {{"s1"}, {"ping:out:servers:icmp:"}}}, {"s1", {{"d1"}, {"ping:in:devs:icmp:"}}}}},
      {"disabled policy",
       false, {"devs", "servers"},
       {fx::policy("ssh", {"devs"}, {"servers"}, Protocol::tcp, {{22, 22}}, false, false)},
       {{"d1", {"devs"}}, {"s1", {"servers"}}},
       {{"d1", {{}, {}}}, {"s1", {{}, {}}}}},
      {"peer in several groups",
       false, {"devs", "ops", "servers", "db"},
       {fx::policy("ssh", {"devs"}, {"servers"}, Protocol::tcp, {{22, 22}}),
        fx::policy("dbp", {"ops"}, {"db"})},
       {{"x", {"devs", "ops"}}, {"s1", {"servers"}}, {"db1", {"db"}}},
       {{"x", {{"s1", "db1"}, {"dbp:out:db:all:", "ssh:out:servers:tcp:22-22"}}},
        {"s1", {{"x"}, {"ssh:in:devs:tcp:22-22"}}},
        {"db1", {{"x"}, {"dbp:in:ops:all:"}}}}},
      {"empty destination group",
       false, {"devs", "empty"}, {fx::policy("p", {"devs"}, {"empty"})},
       {{"d1", {"devs"}}, {"d2", {"devs"}}},
       {{"d1", {{}, {"p:out:empty:all:"}}}}},
      {"unknown group matches nothing",
       false, {"devs"}, {fx::policy("p", {"devs"}, {"ghost"})},
       {{"d1", {"devs", "ghost"}}, {"d2", {"devs"}}},
       {{"d1", {{}, {}}}, {"d2", {{}, {}}}}},
      {"same group on both sides, one way",
       false, {"team"}, {fx::policy("p", {"team"}, {"team"})},
       {{"t1", {"team"}}, {"t2", {"team"}}, {"t3", {}}},
       {{"t1", {{"t2"}, {"p:in:team:all:", "p:out:team:all:"}}}, {"t3", {{}, {}}}}},
      {"several source groups in one rule",
       false, {"devs", "ops", "servers"}, {fx::policy("p", {"ops", "devs"}, {"servers"})},
       {{"s1", {"servers"}}, {"d1", {"devs"}}, {"o1", {"ops"}}},
       {{"s1", {{"d1", "o1"}, {"p:in:devs,ops:all:"}}}}},
      {"default policy plus a narrower one",
       true, {"devs", "servers"},
       {fx::policy("ssh", {"devs"}, {"servers"}, Protocol::tcp, {{22, 22}})},
       {{"d1", {"devs"}}, {"s1", {"servers"}}, {"x", {}}},
       {{"x", {{"d1", "s1"}, {"acme:default:in:" + A + ":all:", "acme:default:out:" + A + ":all:"}}},
        {"d1", {{"s1", "x"},
                {"acme:default:in:" + A + ":all:", "acme:default:out:" + A + ":all:",
                 "ssh:out:servers:tcp:22-22"}}}}},
  };
  for (const Case &c : cases) {
    INFO(c.name);
    auto compiler = fx::compile(build(c));
    for (const auto &[id, want] : c.expect) {
      INFO("peer " << id);
      auto map = compiler->map(id);
      REQUIRE(map);
      CHECK(fx::reach(*map) == want.reach);
      CHECK(fx::rules(*map) == want.rules);
      // Every set a rule names is present and holds exactly its members' addresses.
      for (const MapRule &rule : map->rules) {
        for (const std::string &set : rule.sets) CHECK(map->sets.count(set) == 1);
      }
    }
  }
}

TEST_CASE("sets carry the member addresses, the peer itself included", "[compiler]") {
  AccountRecords r = fx::account(false);
  r.groups.push_back(fx::group("team"));
  r.policies.push_back(fx::policy("p", {"team"}, {"team"}, Protocol::all, {}, true));
  r.peers = {fx::peer("a", 1, {"team"}), fx::peer("b", 2, {"team"}), fx::peer("c", 3)};
  auto c = fx::compile(r);
  auto m = c->map("a");
  REQUIRE(m);
  REQUIRE(m->sets.size() == 1);
  CHECK(m->sets.at("team") == std::vector<Ipv4>{*parse_ipv4(fx::ip_for(1)), *parse_ipv4(fx::ip_for(2))});
  CHECK(m->self.ip == *parse_ipv4(fx::ip_for(1)));
  CHECK(format(m->self.network) == "100.64.0.0/10");
  CHECK(m->self.fqdn == "a.acme.trellis");
  const MapPeer *b = m->find_peer("b");
  REQUIRE(b);
  CHECK(b->key == fx::key_for(2));
  CHECK(b->fqdn == "b.acme.trellis");
  CHECK(b->routed.empty());
  CHECK(c->group_members("team") == std::vector<std::string>{"a", "b"});
  CHECK(c->group_members(all()) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("routes: router entries, HA by metric and online state", "[compiler][routes]") {
  AccountRecords r = fx::account(false);
  for (const char *g : {"devs", "routers"}) r.groups.push_back(fx::group(g));
  r.peers = {fx::peer("d1", 1, {"devs"}), fx::peer("r1", 2, {"routers"}), fx::peer("r2", 3, {"routers"}),
             fx::peer("r3", 4), fx::peer("x", 5)};
  r.peers[1].online = false;  // r1 offline
  r.routes = {fx::route_via_groups("lan", "198.18.0.0/24", {"routers"}, {"devs"}, 100),
              fx::route_via_peer("lan-backup", "198.18.0.0/24", "r3", {"devs"}, 200),
              fx::route_via_peer("off", "198.19.0.0/24", "r3", {"devs"}, 1)};
  r.routes[2].enabled = false;
  auto c = fx::compile(r);

  auto d1 = c->map("d1");
  REQUIRE(d1);
  CHECK(fx::reach(*d1) == std::set<std::string>{"r1", "r2", "r3"});
  REQUIRE(d1->routes.size() == 1);
  CHECK(format(d1->routes[0].network) == "198.18.0.0/24");
  // Same metric: online r2 before offline r1; the backup's higher metric last.
  CHECK(d1->routes[0].via == std::vector<std::string>{"r2", "r1", "r3"});
  CHECK(d1->find_peer("r2")->routed == std::vector<Prefix4>{*parse_prefix4("198.18.0.0/24")});
  CHECK(d1->find_peer("r1")->routed.empty());
  CHECK(d1->find_peer("r3")->routed.empty());
  CHECK(d1->serve.empty());
  CHECK(d1->rules.empty());

  auto r2 = c->map("r2");
  REQUIRE(r2);
  CHECK(fx::reach(*r2) == std::set<std::string>{"d1"});
  REQUIRE(r2->serve.size() == 1);
  CHECK(r2->serve[0].sets == std::vector<std::string>{"devs"});
  CHECK(r2->sets.at("devs") == std::vector<Ipv4>{*parse_ipv4(fx::ip_for(1))});
  CHECK(r2->routes.empty());
  auto r3 = c->map("r3");
  REQUIRE(r3);
  CHECK(r3->serve.size() == 1);  // the disabled route is not served
  CHECK(fx::reach(*c->map("x")).empty());

  // r1 comes online and r2 goes offline: d1's preferred router moves.
  ChangeBatch b;
  Peer r1 = r.peers[1], r2p = r.peers[2];
  r1.online = true;
  r2p.online = false;
  b.upsert(r1).upsert(r2p);
  ChangeSet cs = c->apply(b);
  REQUIRE(cs.ok());
  REQUIRE(cs.updates.size() == 1);
  CHECK(cs.updates[0].peer == "d1");
  MapDelta delta;
  REQUIRE(parse_delta_text(*cs.updates[0].delta, delta) == "");
  REQUIRE(delta.routes);
  CHECK((*delta.routes)[0].via == std::vector<std::string>{"r1", "r2", "r3"});
  CHECK(delta.upd.size() == 2);  // r1 gains the network, r2 loses it
  REQUIRE(apply_delta(*d1, delta) == "");
  CHECK(d1->same_content(*c->map("d1")));
}

TEST_CASE("a router in its own distribution group serves but does not route", "[compiler][routes]") {
  AccountRecords r = fx::account(true);
  r.peers = {fx::peer("gw", 1), fx::peer("a", 2)};
  r.routes = {fx::route_via_peer("office", "203.0.113.0/24", "gw", {all()})};
  auto c = fx::compile(r);
  auto gw = c->map("gw");
  REQUIRE(gw);
  CHECK(gw->routes.empty());
  REQUIRE(gw->serve.size() == 1);
  CHECK(gw->serve[0].sets == std::vector<std::string>{all()});
  auto a = c->map("a");
  REQUIRE(a);
  REQUIRE(a->routes.size() == 1);
  CHECK(a->routes[0].via == std::vector<std::string>{"gw"});
  CHECK(a->find_peer("gw")->routed == std::vector<Prefix4>{*parse_prefix4("203.0.113.0/24")});
}

TEST_CASE("DNS: domain, FQDNs, nameservers by group, records", "[compiler][dns]") {
  AccountRecords r = fx::account(true);
  r.groups.push_back(fx::group("devs"));
  r.dns.nameserver_groups.push_back(
      {"corp", "Corp", {{"198.51.100.53", 53}, {"198.51.100.54", 5353}}, {"corp.example"}, {"devs"}, false, true});
  r.dns.nameserver_groups.push_back({"off", "Off", {{"198.51.100.9", 53}}, {}, {"devs"}, true, false});
  r.peers = {fx::peer("dev", 1, {"devs"}), fx::peer("srv", 2)};
  r.peers[1].dns_label = "";
  r.peers[1].fqdn = "";
  auto c = fx::compile(r);
  auto dev = c->map("dev");
  REQUIRE(dev);
  CHECK(dev->dns.domain == "acme.trellis");
  REQUIRE(dev->dns.nameservers.size() == 1);
  CHECK(dev->dns.nameservers[0].servers.size() == 2);
  CHECK(dev->dns.nameservers[0].servers[1].port == 5353);
  CHECK(dev->dns.nameservers[0].domains == std::vector<std::string>{"corp.example"});
  CHECK_FALSE(dev->dns.nameservers[0].primary);
  auto records = dev->dns_records();
  CHECK(records == std::vector<std::pair<std::string, Ipv4>>{{"dev.acme.trellis", *parse_ipv4(fx::ip_for(1))}});
  auto srv = c->map("srv");
  REQUIRE(srv);
  CHECK(srv->dns.nameservers.empty());
  CHECK(srv->self.fqdn.empty());
  REQUIRE(srv->dns_records().size() == 1);

  // A new domain renames every FQDN: everyone gets self and peer updates.
  DnsSettings d = r.dns;
  d.domain = "corp.trellis";
  ChangeSet cs = c->apply(ChangeBatch().set(d));
  REQUIRE(cs.ok());
  CHECK(cs.updates.size() == 2);
  for (const PeerUpdate &u : cs.updates) {
    auto before = u.peer == "dev" ? *dev : *srv;
    MapDelta delta;
    REQUIRE(parse_delta_text(*u.delta, delta) == "");
    REQUIRE(apply_delta(before, delta) == "");
    CHECK(before.same_content(*c->map(u.peer)));
    CHECK(before.dns.domain == "corp.trellis");
  }
  CHECK(c->map("srv")->find_peer("dev")->fqdn == "dev.corp.trellis");
}

TEST_CASE("expired logins drop out of every map", "[compiler][expiry]") {
  AccountRecords r = fx::account(true);
  r.peers = {fx::peer("a", 1), fx::peer("b", 2), fx::peer("old", 3), fx::peer("soon", 4)};
  r.peers[2].login_expires_ms = 500;    // already past at 1,000,000
  r.peers[3].login_expires_ms = 2'000'000;
  auto c = fx::compile(r, 1'000'000);
  auto old = c->map("old");
  REQUIRE(old);
  CHECK(old->self.expired);
  CHECK(old->peers.empty());
  CHECK(old->rules.empty());
  CHECK(fx::reach(*c->map("a")) == std::set<std::string>{"b", "soon"});
  CHECK(c->next_deadline() == 2'000'000);

  CHECK(c->advance_to(1'999'999).updates.empty());
  auto a_before = *c->map("a");
  ChangeSet cs = c->advance_to(2'000'000);
  CHECK(cs.updates.size() == 3);  // a, b, and soon itself
  CHECK_FALSE(c->next_deadline().has_value());
  for (const PeerUpdate &u : cs.updates) {
    if (u.peer != "a") continue;
    MapDelta d;
    REQUIRE(parse_delta_text(*u.delta, d) == "");
    CHECK(d.del == std::vector<std::string>{"soon"});
    REQUIRE(apply_delta(a_before, d) == "");
  }
  CHECK(fx::reach(a_before) == std::set<std::string>{"b"});
  CHECK(c->map("soon")->self.expired);

  // Logging in again (a new expiry in the future) brings it back.
  Peer again = r.peers[3];
  again.login_expires_ms = 9'000'000;
  ChangeSet back = c->apply(ChangeBatch().upsert(again));
  CHECK(back.updates.size() == 3);
  CHECK(fx::reach(*c->map("a")) == std::set<std::string>{"b", "soon"});
  CHECK(c->next_deadline() == 9'000'000);
}
