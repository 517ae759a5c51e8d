// SPDX-License-Identifier: Apache-2.0
// Records JSON: every record round-trips through to_json/parse, and API input
// with unknown fields, wrong types or bad values is refused with an error that
// names the field. Also the default records of an account and setup-key logic.
#include <catch2/catch.hpp>

#include "core/records.hpp"
#include "fixtures.hpp"

using namespace trellis::mgmt;
using nlohmann::json;

namespace {

template <typename Record>
std::string error_of(const char *text) {
  Record r;
  return parse_text(text, r);
}

template <typename Record>
void round_trips(const Record &r) {
  Record back;
  REQUIRE(parse(to_json(r), back) == "");
  CHECK(to_json(back) == to_json(r));
}

}  // namespace

TEST_CASE("records round-trip through JSON", "[records]") {
  Account a{"acme", "Acme", "100.96.0.0/12", 86400, 1700000000000};
  round_trips(a);
  User u;
  u.id = "u1";
  u.account = "acme";
  u.name = "Alice";
  u.email = "alice@example.org";
  u.role = UserRole::admin;
  u.subject = {"https://idp.example.org", "alice"};
  round_trips(u);
  Peer p = fx::peer("laptop", 5, {"devs", "ops"});
  p.meta = {"laptop", "linux", "0.1.0"};
  p.login_expires_ms = 123;
  round_trips(p);
  Group g = fx::group("devs");
  g.peers = {"laptop"};
  round_trips(g);
  Policy pol = fx::policy("ssh", {"devs"}, {"servers"}, Protocol::tcp, {{22, 22}, {8000, 8080}});
  round_trips(pol);
  SetupKey k;
  k.id = "k1";
  k.account = "acme";
  k.name = "CI";
  k.hash = hash_secret("s3cret");
  k.type = SetupKeyType::one_off;
  k.auto_groups = {"ci"};
  round_trips(k);
  round_trips(fx::route_via_groups("r1", "198.18.0.0/16", {"routers"}, {"devs"}, 10));
  DnsSettings d = make_default_dns("acme");
  d.nameserver_groups.push_back({"ns1", "Corp", {{"198.51.100.53", 53}}, {"corp.example"}, {"devs"}, false, true});
  round_trips(d);
  Token t{"t1", "acme", "u1", "cli", hash_secret("tok"), 0, 1, 2};
  round_trips(t);
  Event e;
  e.actor = "u1";
  e.action = "peer.add";
  e.target = "laptop";
  e.meta = {{"ip", "100.64.0.5"}};
  round_trips(e);
}

TEST_CASE("record input errors name the field", "[records]") {
  struct Case {
    const char *what;
    std::string error;
    const char *expected;
  };
  const std::string key = fx::key_for(1);
  const std::string peer_ok = R"("id":"p1","account":"acme","public_key":")" + key + R"(","ip":"100.64.0.2")";
  const Case cases[] = {
      {"not json", error_of<Peer>("{"), "invalid JSON"},
      {"not an object", error_of<Peer>("[]"), "peer: expected an object"},
      {"unknown field", error_of<Peer>(("{" + peer_ok + R"(,"colour":"red"})").c_str()),
       "peer: unknown field \"colour\""},
      {"missing field", error_of<Peer>(R"({"id":"p1","account":"acme","ip":"100.64.0.2"})"),
       "peer.public_key: required"},
      {"wrong type", error_of<Peer>(("{" + peer_ok + R"(,"ephemeral":"yes"})").c_str()),
       "peer.ephemeral: expected true or false"},
      {"bad key", error_of<Peer>(R"({"id":"p1","account":"acme","public_key":"abc","ip":"100.64.0.2"})"),
       "peer.public_key: expected a WireGuard public key"},
      {"ip outside overlay",
       error_of<Peer>(("{" + peer_ok.substr(0, peer_ok.size() - 12) + R"("198.51.100.7"})").c_str()),
       "peer.ip: must be inside 100.64.0.0/10"},
      {"groups item type", error_of<Peer>(("{" + peer_ok + R"(,"groups":["a",3]})").c_str()),
       "peer.groups[1]: expected a string"},
      {"duplicate group", error_of<Peer>(("{" + peer_ok + R"(,"groups":["a","a"]})").c_str()),
       "peer.groups[1]: duplicate \"a\""},
      {"nested unknown", error_of<Peer>(("{" + peer_ok + R"(,"meta":{"cpu":"x"}})").c_str()),
       "peer.meta: unknown field \"cpu\""},
      {"fqdn without label", error_of<Peer>(("{" + peer_ok + R"(,"fqdn":"a.acme.trellis"})").c_str()),
       "peer.fqdn: requires dns_label"},
      {"bad label", error_of<Peer>(("{" + peer_ok + R"(,"dns_label":"-x"})").c_str()),
       "peer.dns_label: expected a DNS label"},
      {"negative time", error_of<Peer>(("{" + peer_ok + R"(,"last_seen_ms":-1})").c_str()),
       "peer.last_seen_ms: must be between 0 and"},
      {"bad id", error_of<Group>(R"({"id":"a b","account":"acme","name":"x"})"),
       "group.id: an id may contain only"},
      {"bad port", error_of<Policy>(R"({"id":"p","account":"acme","name":"n","sources":["a"],"destinations":["b"],"protocol":"tcp","ports":["0"]})"),
       "policy.ports[0]: expected \"N\" or \"N-M\""},
      {"reversed range", error_of<Policy>(R"({"id":"p","account":"acme","name":"n","sources":["a"],"destinations":["b"],"protocol":"tcp","ports":["90-80"]})"),
       "policy.ports[0]"},
      {"ports need tcp/udp", error_of<Policy>(R"({"id":"p","account":"acme","name":"n","sources":["a"],"destinations":["b"],"ports":["22"]})"),
       "policy.ports: only allowed with protocol tcp or udp"},
      {"bad protocol", error_of<Policy>(R"({"id":"p","account":"acme","name":"n","sources":["a"],"destinations":["b"],"protocol":"sctp"})"),
       "policy.protocol: expected one of: all, tcp, udp, icmp"},
      {"empty sources", error_of<Policy>(R"({"id":"p","account":"acme","name":"n","sources":[],"destinations":["b"]})"),
       "policy.sources: must name at least one group"},
      {"bad action", error_of<Policy>(R"({"id":"p","account":"acme","name":"n","sources":["a"],"destinations":["b"],"action":"drop"})"),
       "policy.action: expected one of: accept"},
      {"route both routers", error_of<Route>(R"({"id":"r","account":"acme","network":"198.18.0.0/16","peer":"x","peer_groups":["g"],"groups":["a"]})"),
       "route: set exactly one of"},
      {"route in overlay", error_of<Route>(R"({"id":"r","account":"acme","network":"100.64.1.0/24","peer":"x","groups":["a"]})"),
       "route.network: must not lie inside the overlay"},
      {"route host bits", error_of<Route>(R"({"id":"r","account":"acme","network":"198.18.0.1/16","peer":"x","groups":["a"]})"),
       "route.network: expected an IPv4 prefix"},
      {"route metric", error_of<Route>(R"({"id":"r","account":"acme","network":"198.18.0.0/16","peer":"x","groups":["a"],"metric":0})"),
       "route.metric: must be between 1 and 9999"},
      {"setup key hash", error_of<SetupKey>(R"({"id":"k","account":"acme","name":"n","hash":"ABC"})"),
       "setup_key.hash: expected 64 lowercase hex digits"},
      {"setup key type", error_of<SetupKey>(R"({"id":"k","account":"acme","name":"n","hash":"0000000000000000000000000000000000000000000000000000000000000000","type":"once"})"),
       "setup_key.type: expected one of: reusable, one-off"},
      {"one-off limit", error_of<SetupKey>(R"({"id":"k","account":"acme","name":"n","hash":"0000000000000000000000000000000000000000000000000000000000000000","type":"one-off","usage_limit":5})"),
       "setup_key.usage_limit: a one-off key is used once"},
      {"user role", error_of<User>(R"({"id":"u","account":"acme","role":"root"})"),
       "user.role: expected one of: admin, user"},
      {"user email", error_of<User>(R"({"id":"u","account":"acme","email":"no-at-sign"})"),
       "user.email: expected an e-mail address"},
      {"user subject", error_of<User>(R"({"id":"u","account":"acme","subject":{"iss":"x"}})"),
       "user.subject.sub: required"},
      {"account network", error_of<Account>(R"({"id":"a","name":"A","network":"10.0.0.0/8"})"),
       "account.network: must be inside 100.64.0.0/10"},
      {"dns domain", error_of<DnsSettings>(R"({"account":"a","domain":"Bad..Domain"})"),
       "dns.domain: expected a lowercase domain name"},
      {"dns ns ip", error_of<DnsSettings>(R"({"account":"a","nameserver_groups":[{"id":"n","name":"N","nameservers":[{"ip":"x"}],"groups":["g"],"primary":true}]})"),
       "dns.nameserver_groups[0].nameservers[0].ip: expected an IPv4 address"},
      {"dns ns domains", error_of<DnsSettings>(R"({"account":"a","nameserver_groups":[{"id":"n","name":"N","nameservers":[{"ip":"198.51.100.1"}],"groups":["g"]}]})"),
       "dns.nameserver_groups[0].domains: required unless the group is primary"},
      {"dns ns port", error_of<DnsSettings>(R"({"account":"a","nameserver_groups":[{"id":"n","name":"N","nameservers":[{"ip":"198.51.100.1","port":70000}],"groups":["g"],"primary":true}]})"),
       "dns.nameserver_groups[0].nameservers[0].port: must be between 1 and 65535"},
      {"event meta", error_of<Event>(R"({"actor":"u","action":"peer.add","meta":[1]})"),
       "event.meta: expected an object"},
      {"event action", error_of<Event>(R"({"actor":"u","action":"Peer Add"})"),
       "event.action: expected 1 to 64"},
      {"token hash", error_of<Token>(R"({"id":"t","account":"a","user":"u","name":"n","hash":""})"),
       "token.hash: expected 64 lowercase hex digits"},
  };
  for (const Case &c : cases) {
    INFO(c.what << ": " << c.error);
    CHECK(c.error.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("valid input parses with defaults", "[records]") {
  Policy p;
  REQUIRE(parse_text(R"({"id":"p","account":"acme","name":"n","sources":["a"],"destinations":["b"],"protocol":"udp","ports":["53","5000-5100"]})", p) == "");
  CHECK(p.enabled);
  CHECK(p.bidirectional);
  CHECK(p.ports == std::vector<PortRange>{{53, 53}, {5000, 5100}});
  DnsSettings d;
  REQUIRE(parse_text(R"({"account":"acme"})", d) == "");
  CHECK(d.domain == "acme.trellis");
  Peer peer;
  std::string text = R"({"id":"p1","account":"acme","public_key":")" + fx::key_for(3) +
                     R"(","ip":"100.64.0.2","user":null,"fqdn":"x.acme.trellis","dns_label":"x"})";
  REQUIRE(parse_text(text, peer) == "");
  CHECK(peer.user.empty());
  // A failed parse leaves the output alone.
  Peer untouched = fx::peer("keep", 9);
  CHECK_FALSE(parse_text("{\"id\":1}", untouched).empty());
  CHECK(untouched.id == "keep");
}

TEST_CASE("public keys must be canonical base64 of 32 bytes", "[records]") {
  Peer p;
  std::string good = fx::key_for(7);
  std::string noncanonical = good;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // The last character carries 4 key bits and 2 spare bits that must be zero.
  noncanonical[42] = alphabet[alphabet.find(good[42]) | 1];
  for (const std::string &bad :
       {std::string(44, 'A'), good.substr(0, 43), good + "=", std::string(43, '*') + "="}) {
    json j = to_json(fx::peer("p", 1));
    j["public_key"] = bad;
    CHECK_FALSE(parse(j, p).empty());
  }
  json j = to_json(fx::peer("p", 1));
  j["public_key"] = noncanonical;
  CHECK(parse(j, p).find("peer.public_key") != std::string::npos);
  j["public_key"] = good;
  CHECK(parse(j, p) == "");
}

TEST_CASE("new accounts get All, a default policy and DNS", "[records]") {
  Group all = make_all_group("acme");
  Policy def = make_default_policy("acme");
  CHECK(all.id == "acme:all");
  CHECK(all.name == "All");
  CHECK(def.id == "acme:default");
  CHECK(def.sources == std::vector<std::string>{"acme:all"});
  CHECK(def.destinations == std::vector<std::string>{"acme:all"});
  CHECK(def.bidirectional);
  CHECK(def.enabled);
  Policy back;
  CHECK(parse(to_json(def), back) == "");
  CHECK(make_default_dns("acme").domain == "acme.trellis");
}

TEST_CASE("setup keys are hashed and checked", "[records]") {
  CHECK(hash_secret("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  SetupKey k;
  k.hash = hash_secret("x");
  CHECK(setup_key_state(k, 10) == SetupKeyState::valid);
  k.expires_ms = 10;
  CHECK(setup_key_state(k, 10) == SetupKeyState::expired);
  k.expires_ms = 0;
  k.type = SetupKeyType::one_off;
  k.used_count = 1;
  CHECK(setup_key_state(k, 10) == SetupKeyState::exhausted);
  k.type = SetupKeyType::reusable;
  k.usage_limit = 3;
  k.used_count = 2;
  CHECK(setup_key_state(k, 10) == SetupKeyState::valid);
  k.used_count = 3;
  CHECK(setup_key_state(k, 10) == SetupKeyState::exhausted);
  k.revoked = true;
  CHECK(setup_key_state(k, 10) == SetupKeyState::revoked);
}
