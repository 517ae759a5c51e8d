// SPDX-License-Identifier: Apache-2.0
// Catch2 main for the kernel tunnel's unit tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
