// SPDX-License-Identifier: Apache-2.0
// Catch2 v2 runner for the WireGuard core unit tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
