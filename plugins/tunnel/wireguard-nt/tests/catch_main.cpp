// SPDX-License-Identifier: Apache-2.0
// Catch2 v2 main for the wireguard-nt core tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
