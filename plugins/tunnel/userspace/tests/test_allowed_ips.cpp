// SPDX-License-Identifier: Apache-2.0
// Allowed-IPs trie: longest-prefix match for IPv4 and IPv6, host-bit
// normalisation, re-pointing, exact removal, removal by peer and listing,
// checked against a brute-force reference on random tables.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "core/allowed_ips.hpp"

using namespace trellis::wg;

namespace {

IpPrefix P(const char *text) {
  auto p = IpPrefix::parse(text);
  REQUIRE(p);
  return *p;
}

uintptr_t look(const AllowedIps<const void *> &t, const char *addr) {
  const IpPrefix p = P(addr);
  return reinterpret_cast<uintptr_t>(t.lookup(p.family, p.addr.data()));
}

const void *V(uintptr_t v) { return reinterpret_cast<const void *>(v); }

}  // namespace

TEST_CASE("prefix parsing and normalisation", "[allowed_ips]") {
  CHECK(P("100.64.1.77/10").to_string() == "100.64.0.0/10");
  CHECK(P("198.51.100.7").to_string() == "198.51.100.7/32");
  CHECK(P("2001:db8::1/32").to_string() == "2001:db8::/32");
  CHECK(P("::/0").to_string() == "::/0");
  CHECK_FALSE(IpPrefix::parse("198.51.100.0/33"));
  CHECK_FALSE(IpPrefix::parse("2001:db8::/129"));
  CHECK_FALSE(IpPrefix::parse("198.51.100.0/"));
  CHECK_FALSE(IpPrefix::parse("nonsense/8"));
}

TEST_CASE("longest prefix wins, IPv4 and IPv6 apart", "[allowed_ips]") {
  AllowedIps<const void *> t;
  REQUIRE(t.insert(P("0.0.0.0/0"), V(1)));
  REQUIRE(t.insert(P("100.64.0.0/10"), V(2)));
  REQUIRE(t.insert(P("100.64.1.0/24"), V(3)));
  REQUIRE(t.insert(P("100.64.1.9/32"), V(4)));
  REQUIRE(t.insert(P("2001:db8::/32"), V(5)));
  REQUIRE(t.insert(P("2001:db8:1::/48"), V(6)));
  CHECK(t.size() == 6);
  CHECK(look(t, "203.0.113.5") == 1);
  CHECK(look(t, "100.100.0.1") == 2);
  CHECK(look(t, "100.64.1.8") == 3);
  CHECK(look(t, "100.64.1.9") == 4);
  CHECK(look(t, "2001:db8:1::5") == 6);
  CHECK(look(t, "2001:db8:2::5") == 5);
  CHECK(look(t, "2001:db9::1") == 0);  // the IPv4 default does not cover IPv6

  // Re-pointing a prefix moves it; size unchanged.
  REQUIRE(t.insert(P("100.64.1.0/24"), V(7)));
  CHECK(t.size() == 6);
  CHECK(look(t, "100.64.1.8") == 7);

  CHECK(t.remove(P("100.64.1.0/24")));
  CHECK_FALSE(t.remove(P("100.64.1.0/24")));
  CHECK_FALSE(t.remove(P("100.64.0.0/11")));  // not present: no partial match
  CHECK(look(t, "100.64.1.8") == 2);
  CHECK(look(t, "100.64.1.9") == 4);

  t.remove_value(V(2));
  CHECK(look(t, "100.64.1.8") == 1);
  CHECK(look(t, "100.64.1.9") == 4);
  CHECK(t.list(V(4)).size() == 1);
  CHECK(t.list(V(4))[0].to_string() == "100.64.1.9/32");
  CHECK(t.size() == 4);
}

TEST_CASE("list by value in both families", "[allowed_ips]") {
  AllowedIps<const void *> t;
  t.insert(P("198.18.0.0/15"), V(1));
  t.insert(P("198.51.100.0/24"), V(1));
  t.insert(P("203.0.113.0/24"), V(2));
  t.insert(P("2001:db8::/64"), V(1));
  auto l = t.list(V(1));
  std::vector<std::string> s;
  for (const auto &p : l) s.push_back(p.to_string());
  std::sort(s.begin(), s.end());
  CHECK(s == std::vector<std::string>{"198.18.0.0/15", "198.51.100.0/24", "2001:db8::/64"});
  t.remove_value(V(1));
  CHECK(t.list(V(1)).empty());
  CHECK(t.size() == 1);
  CHECK(look(t, "203.0.113.77") == 2);
}

TEST_CASE("random tables agree with a brute-force reference", "[allowed_ips]") {
  std::mt19937_64 gen(12345);
  for (uint8_t family : {uint8_t{4}, uint8_t{6}}) {
    AllowedIps<const void *> t;
    std::vector<std::pair<IpPrefix, uintptr_t>> ref;
    const size_t nbits = family == 4 ? 32 : 128;
    auto rand_addr = [&] {
      IpPrefix p;
      p.family = family;
      // Few distinct high bits so prefixes overlap a lot.
      for (size_t i = 0; i < 16; ++i) p.addr[i] = static_cast<uint8_t>(gen() & (i < 2 ? 0x03 : 0xff));
      if (family == 4) std::fill(p.addr.begin() + 4, p.addr.end(), 0);
      return p;
    };
    for (int i = 0; i < 600; ++i) {
      IpPrefix p = rand_addr();
      p.cidr = static_cast<uint8_t>(gen() % (nbits + 1));
      p = p.normalized();
      const uintptr_t v = 1 + gen() % 7;
      t.insert(p, V(v));
      auto it = std::find_if(ref.begin(), ref.end(), [&](auto &e) { return e.first == p; });
      if (it != ref.end()) it->second = v; else ref.emplace_back(p, v);
      if (i % 5 == 4) {  // remove one
        const auto victim = ref[gen() % ref.size()];
        CHECK(t.remove(victim.first));
        ref.erase(std::find(ref.begin(), ref.end(), victim));
      }
    }
    const uintptr_t gone = 3;
    t.remove_value(V(gone));
    std::erase_if(ref, [&](auto &e) { return e.second == gone; });
    CHECK(t.size() == ref.size());
    for (int q = 0; q < 3000; ++q) {
      IpPrefix a = rand_addr();
      uintptr_t want = 0;
      int best = -1;
      for (const auto &[p, v] : ref) {
        IpPrefix m = a;
        m.cidr = p.cidr;
        if (m.normalized().addr == p.addr && p.cidr > best) {
          best = p.cidr;
          want = v;
        }
      }
      REQUIRE(reinterpret_cast<uintptr_t>(t.lookup(family, a.addr.data())) == want);
    }
  }
}
