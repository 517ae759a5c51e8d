// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the storage conformance suite's test files: status
// assertions that print the plugin's error text, JSON comparison by value
// (PostgreSQL's jsonb normalises the text; sqlite keeps it), and the
// durability child process entry.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "backend.hpp"
#include "test_host.hpp"

#define REQUIRE_STATUS(expr, expected)                              \
  do {                                                              \
    const ::trellis::storage_test::Status st_ = (expr);             \
    INFO(#expr " -> " << st_.code << " \"" << st_.message << "\""); \
    REQUIRE(st_.code == (expected));                                \
  } while (0)

#define CHECK_STATUS(expr, expected)                                \
  do {                                                              \
    const ::trellis::storage_test::Status st_ = (expr);             \
    INFO(#expr " -> " << st_.code << " \"" << st_.message << "\""); \
    CHECK(st_.code == (expected));                                  \
  } while (0)

#define REQUIRE_OK(expr) REQUIRE_STATUS(expr, TRELLIS_OK)

namespace trellis::storage_test {

inline bool same_json(const std::string &a, const std::string &b) {
  return nlohmann::json::parse(a) == nlohmann::json::parse(b);
}

// `trellis_storage_conformance --durability-child ...`: writes documents one
// transaction at a time, printing each id once its commit returned.
int durability_child(int argc, char **argv);

}  // namespace trellis::storage_test
