// SPDX-License-Identifier: Apache-2.0
// substitute_env, table-driven: syntax, defaults, escapes and errors (with the
// byte offset of the offending reference).
#include <catch2/catch.hpp>

#include <map>

#include "core/env_subst.hpp"

namespace core = trellis::core;

namespace {

const std::map<std::string, std::string> kEnv = {
    {"A", "alpha"}, {"EMPTY", ""}, {"NESTED", "${A}"}, {"_x1", "under"}};

std::optional<std::string> lookup(const std::string &name) {
  auto it = kEnv.find(name);
  if (it == kEnv.end()) return std::nullopt;
  return it->second;
}

}  // namespace

TEST_CASE("substitute_env: accepted input", "[env]") {
  struct Case {
    const char *in;
    const char *out;
  };
  const Case cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"${A}", "alpha"},
      {"x${A}y${A}z", "xalphayalphaz"},
      {"${_x1}", "under"},
      {"${MISSING:-dflt}", "dflt"},
      {"${MISSING:-}", ""},
      {"${EMPTY:-dflt}", "dflt"},
      {"${EMPTY}", ""},
      {"${A:-dflt}", "alpha"},
      {"${MISSING:-a b:c/d}", "a b:c/d"},
      {"$${A}", "${A}"},
      {"$$${A}", "$${A}"},  // scanned left to right: "$" then the "$${" escape
      {"cost: $5", "cost: $5"},
      {"$", "$"},
      {"${NESTED}", "${A}"},  // values are not rescanned
  };
  for (const auto &c : cases) {
    INFO("input: " << c.in);
    CHECK(core::substitute_env(c.in, lookup) == c.out);
  }
}

TEST_CASE("substitute_env: refused input", "[env]") {
  struct Case {
    const char *in;
    size_t offset;
    const char *message;
  };
  const Case cases[] = {
      {"${MISSING}", 0, "environment variable 'MISSING' is not set"},
      {"ab${MISSING}", 2, "environment variable 'MISSING' is not set"},
      {"${", 0, "expected a variable name"},
      {"${}", 0, "expected a variable name"},
      {"${1A}", 0, "expected a variable name"},
      {"${A", 0, "unterminated or invalid environment reference '${A'"},
      {"${A-x}", 0, "unterminated or invalid environment reference '${A'"},
      {"x ${A:-never closed", 2, "unterminated environment reference '${A:-...'"},
  };
  for (const auto &c : cases) {
    INFO("input: " << c.in);
    try {
      core::substitute_env(c.in, lookup);
      FAIL("accepted");
    } catch (const core::EnvSubstError &e) {
      CHECK(e.offset() == c.offset);
      CHECK_THAT(e.what(), Catch::Contains(c.message));
    }
  }
}
