// SPDX-License-Identifier: Apache-2.0
// DNS labels: hostnames sanitised to RFC 1123 labels, uniqueness per account by
// -2, -3... suffixes (also when the suffixed name would pass 63 characters),
// release and reuse, domain validation and FQDNs.
#include <catch2/catch.hpp>

#include <set>

#include "core/dns_label.hpp"

using namespace trellis::mgmt;

TEST_CASE("hostnames become RFC 1123 labels", "[dns]") {
  struct Case {
    const char *hostname;
    const char *label;
  };
  const Case cases[] = {
      {"laptop", "laptop"},
      {"Alice-MacBook-Pro.local", "alice-macbook-pro"},
      {"My_Laptop (2)", "my-laptop-2"},
      {"--weird--", "weird"},
      {"caf\xc3\xa9-bar", "caf-bar"},
      {"UPPER", "upper"},
      {"", "peer"},
      {"!!!", "peer"},
      {".local", "local"},
      {"a..b", "a"},
      {"web 01", "web-01"},
      {"12345", "12345"},
  };
  for (const Case &c : cases) {
    INFO(c.hostname);
    CHECK(sanitize_label(c.hostname) == c.label);
    CHECK(is_valid_label(sanitize_label(c.hostname)));
  }
  std::string long_name(100, 'x');
  long_name[62] = '-';  // the cut lands right after a hyphen, which must go too
  std::string label = sanitize_label(long_name);
  CHECK(label.size() == 62);
  CHECK(is_valid_label(label));
}

TEST_CASE("labels and domains are validated", "[dns]") {
  CHECK(is_valid_label("a"));
  CHECK(is_valid_label("a-b-9"));
  CHECK_FALSE(is_valid_label(""));
  CHECK_FALSE(is_valid_label("-a"));
  CHECK_FALSE(is_valid_label("a-"));
  CHECK_FALSE(is_valid_label("A"));
  CHECK_FALSE(is_valid_label("a_b"));
  CHECK_FALSE(is_valid_label(std::string(64, 'a')));
  CHECK(is_valid_label(std::string(63, 'a')));
  CHECK(is_valid_domain("acme.trellis"));
  CHECK(is_valid_domain("trellis"));
  CHECK_FALSE(is_valid_domain("acme..trellis"));
  CHECK_FALSE(is_valid_domain("acme.trellis."));
  CHECK_FALSE(is_valid_domain(".acme"));
  CHECK_FALSE(is_valid_domain("Acme.trellis"));
  CHECK(make_fqdn("laptop", "acme.trellis") == "laptop.acme.trellis");
  CHECK(default_domain("acme") == "acme.trellis");
  CHECK(default_domain("Acc_42") == "acc-42.trellis");
  CHECK(default_domain("__") == "account.trellis");
}

TEST_CASE("labels are unique per account", "[dns]") {
  DnsLabels labels;
  CHECK(labels.assign("laptop") == "laptop");
  CHECK(labels.assign("Laptop.local") == "laptop-2");
  CHECK(labels.assign("laptop") == "laptop-3");
  CHECK(labels.claim("server"));
  CHECK_FALSE(labels.claim("server"));
  CHECK_FALSE(labels.claim("Bad_Label"));
  CHECK(labels.assign("server") == "server-2");
  // A natural name that looks like a suffixed one is respected.
  CHECK(labels.claim("db-2"));
  CHECK(labels.assign("db") == "db");
  CHECK(labels.assign("db") == "db-3");
  // A released label is free again, but the next "laptop" does not take it at
  // once: stale DNS caches would send the old machine's traffic to a new one.
  CHECK(labels.release("laptop-2"));
  CHECK_FALSE(labels.release("laptop-2"));
  CHECK_FALSE(labels.taken("laptop-2"));
  CHECK(labels.assign("laptop") == "laptop-4");
  CHECK(labels.claim("laptop-2"));
  CHECK(labels.taken("laptop-3"));
}

TEST_CASE("suffixed labels stay within 63 characters", "[dns]") {
  DnsLabels labels;
  std::string host(80, 'h');
  std::string first = labels.assign(host);
  CHECK(first.size() == 63);
  std::string second = labels.assign(host);
  CHECK(second.size() == 63);
  CHECK(second.substr(61) == "-2");
  CHECK(is_valid_label(second));
}

TEST_CASE("suffixes stay bounded under churn", "[dns]") {
  // Ephemeral peers with one hostname come and go: suffixes count up, then wrap
  // (the range is 2..size()+2), so they never grow without bound.
  DnsLabels labels;
  CHECK(labels.assign("runner") == "runner");
  std::set<std::string> used;
  for (int i = 0; i < 50; ++i) {
    std::string l = labels.assign("runner");
    used.insert(l);
    CHECK(labels.release(l));
  }
  CHECK(used == std::set<std::string>{"runner-2", "runner-3", "runner-4"});
}

TEST_CASE("a thousand identical hostnames get a thousand labels", "[dns]") {
  DnsLabels labels;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string l = labels.assign("ubuntu");
    REQUIRE(is_valid_label(l));
    REQUIRE(seen.insert(l).second);
  }
  CHECK(labels.size() == 1000);
  CHECK(seen.count("ubuntu-1000"));
}
