// SPDX-License-Identifier: Apache-2.0
// The Catch2 v2 main shared by the ABI and example test executables, compiled
// once.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
