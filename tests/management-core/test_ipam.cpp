// SPDX-License-Identifier: Apache-2.0
// IPv4 parsing and overlay address allocation: strict spellings, prefixes
// inside 100.64.0.0/10 only, no duplicates over many allocations, network and
// broadcast never handed out, deterministic choice, reuse after release,
// tentative reserve/commit/release, exhaustion of a tiny prefix.
#include <catch2/catch.hpp>

#include <set>

#include "core/ip.hpp"
#include "core/ipam.hpp"
#include "fixtures.hpp"

using namespace trellis::mgmt;

TEST_CASE("IPv4 addresses and prefixes parse strictly", "[ip]") {
  struct Case {
    const char *text;
    bool ok;
  };
  const Case addresses[] = {
      {"100.64.0.1", true}, {"0.0.0.0", true},     {"255.255.255.255", true},
      {"256.1.1.1", false}, {"1.2.3", false},      {"1.2.3.4.5", false},
      {"01.2.3.4", false},  {"1.2.3.4 ", false},   {"", false},
      {"1..2.3", false},    {"a.b.c.d", false},    {"1.2.3.-4", false},
  };
  for (const Case &c : addresses) {
    INFO(c.text);
    CHECK(parse_ipv4(c.text).has_value() == c.ok);
  }
  const Case prefixes[] = {
      {"100.64.0.0/10", true}, {"198.18.0.0/15", true}, {"0.0.0.0/0", true},
      {"100.64.0.1/10", false},  // host bits set
      {"100.64.0.0/33", false},  {"100.64.0.0/", false}, {"100.64.0.0/010", false},
      {"100.64.0.0", false},
  };
  for (const Case &c : prefixes) {
    INFO(c.text);
    CHECK(parse_prefix4(c.text).has_value() == c.ok);
  }
  CHECK(format(*parse_prefix4("198.51.100.0/24")) == "198.51.100.0/24");
  CHECK(format(Ipv4{0x64400001}) == "100.64.0.1");
  CHECK(kOverlaySpace.contains(*parse_prefix4("100.127.255.252/30")));
  CHECK_FALSE(kOverlaySpace.contains(*parse_prefix4("100.128.0.0/30")));
}

TEST_CASE("IPAM refuses prefixes outside 100.64.0.0/10", "[ipam]") {
  std::string error;
  for (const char *bad : {"198.18.0.0/15", "100.0.0.0/8", "100.64.0.0/9", "100.64.0.0/31",
                          "100.64.0.1/24", "garbage"}) {
    INFO(bad);
    error.clear();
    CHECK_FALSE(Ipam::create(bad, error).has_value());
    CHECK_FALSE(error.empty());
  }
  auto ipam = Ipam::create("100.64.0.0/10", error);
  REQUIRE(ipam);
  CHECK(ipam->capacity() == (uint64_t{1} << 22) - 2);
  CHECK(Ipam::create("100.100.0.0/16", error).has_value());
}

TEST_CASE("IPAM gives 20,000 distinct usable addresses from a /16", "[ipam]") {
  std::string error;
  auto ipam = Ipam::create("100.100.0.0/16", error);
  REQUIRE(ipam);
  Prefix4 prefix = *parse_prefix4("100.100.0.0/16");
  std::set<uint32_t> seen;
  for (int i = 0; i < 20000; ++i) {
    IpamResult r = ipam->reserve(fx::key_for(static_cast<uint64_t>(i)));
    REQUIRE(r.ok());
    REQUIRE(prefix.contains(r.ip));
    REQUIRE(r.ip != prefix.address);
    REQUIRE(r.ip.value != prefix.address.value + 0xffff);
    REQUIRE(seen.insert(r.ip.value).second);
    REQUIRE(ipam->commit(r.ip) == IpamStatus::ok);
  }
  CHECK(ipam->used() == 20000);
}

TEST_CASE("IPAM choice is deterministic and spread", "[ipam]") {
  std::string error;
  auto a = Ipam::create("100.64.0.0/10", error);
  auto b = Ipam::create("100.64.0.0/10", error);
  REQUIRE(a);
  REQUIRE(b);
  std::set<uint32_t> blocks;
  for (int i = 0; i < 64; ++i) {
    auto ra = a->reserve(fx::key_for(static_cast<uint64_t>(i)));
    auto rb = b->reserve(fx::key_for(static_cast<uint64_t>(i)));
    REQUIRE(ra.ok());
    CHECK(ra.ip == rb.ip);
    blocks.insert(ra.ip.value >> 16);
  }
  // 64 keys over 64 /16s of the /10: hashing must not cluster them.
  CHECK(blocks.size() > 30);
}

TEST_CASE("IPAM reserve, commit and release", "[ipam]") {
  std::string error;
  auto ipam = Ipam::create("100.64.0.0/24", error);
  REQUIRE(ipam);
  IpamResult r = ipam->reserve("peer-key");
  REQUIRE(r.ok());
  CHECK(ipam->tentative(r.ip));
  CHECK(ipam->in_use(r.ip));
  CHECK(ipam->claim(r.ip) == IpamStatus::in_use);  // nobody else gets a tentative one
  CHECK(ipam->commit(r.ip) == IpamStatus::ok);
  CHECK_FALSE(ipam->tentative(r.ip));
  CHECK(ipam->commit(r.ip) == IpamStatus::not_tentative);
  CHECK(ipam->release(r.ip) == IpamStatus::ok);
  CHECK(ipam->release(r.ip) == IpamStatus::not_allocated);
  CHECK_FALSE(ipam->in_use(r.ip));
  // A failed transaction: reserve then release gives the address back.
  IpamResult again = ipam->reserve("peer-key");
  CHECK(again.ip == r.ip);
  CHECK(ipam->release(again.ip) == IpamStatus::ok);
  CHECK(ipam->used() == 0);
  // Rebuilding from storage, and the addresses never handed out.
  CHECK(ipam->claim(*parse_ipv4("100.64.0.7")) == IpamStatus::ok);
  CHECK(ipam->claim(*parse_ipv4("100.64.0.7")) == IpamStatus::in_use);
  CHECK(ipam->claim(*parse_ipv4("100.64.0.0")) == IpamStatus::reserved);
  CHECK(ipam->claim(*parse_ipv4("100.64.0.255")) == IpamStatus::reserved);
  CHECK(ipam->claim(*parse_ipv4("100.64.1.1")) == IpamStatus::outside);
  auto exact = ipam->reserve_exact(*parse_ipv4("100.64.0.9"));
  CHECK(exact.ok());
  CHECK(ipam->reserve_exact(*parse_ipv4("100.64.0.9")).status == IpamStatus::in_use);
}

TEST_CASE("IPAM exhausts a /29 cleanly and reuses released addresses", "[ipam]") {
  std::string error;
  auto ipam = Ipam::create("100.64.0.8/29", error);
  REQUIRE(ipam);
  REQUIRE(ipam->capacity() == 6);
  std::set<uint32_t> got;
  for (int i = 0; i < 6; ++i) {
    auto r = ipam->reserve("k" + std::to_string(i));
    REQUIRE(r.ok());
    CHECK(r.ip.value > 0x64400008u);
    CHECK(r.ip.value < 0x6440000fu);
    got.insert(r.ip.value);
  }
  CHECK(got.size() == 6);
  auto full = ipam->reserve("one-more");
  CHECK(full.status == IpamStatus::exhausted);
  CHECK(std::string(to_string(full.status)).find("no free overlay address") != std::string::npos);
  Ipv4 freed{*got.begin()};
  REQUIRE(ipam->release(freed) == IpamStatus::ok);
  auto reused = ipam->reserve("one-more");
  REQUIRE(reused.ok());
  CHECK(reused.ip == freed);
  CHECK(ipam->reserve("and-another").status == IpamStatus::exhausted);
}

TEST_CASE("IPAM /30 has two usable addresses", "[ipam]") {
  std::string error;
  auto ipam = Ipam::create("100.64.0.4/30", error);
  REQUIRE(ipam);
  auto a = ipam->reserve("a"), b = ipam->reserve("b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(std::set<uint32_t>{a.ip.value, b.ip.value} == std::set<uint32_t>{0x64400005u, 0x64400006u});
  CHECK(ipam->reserve("c").status == IpamStatus::exhausted);
}

TEST_CASE("IPAM fills a /20 completely across blocks", "[ipam]") {
  std::string error;
  auto ipam = Ipam::create("100.64.16.0/20", error);
  REQUIRE(ipam);
  std::set<uint32_t> got;
  for (uint64_t i = 0; i < ipam->capacity(); ++i) {
    auto r = ipam->reserve(std::to_string(i % 7));  // few seeds: long probes
    REQUIRE(r.ok());
    REQUIRE(got.insert(r.ip.value).second);
  }
  CHECK(ipam->reserve("x").status == IpamStatus::exhausted);
  CHECK(got.size() == 4094);
}
