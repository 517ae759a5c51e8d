// SPDX-License-Identifier: Apache-2.0
// Replay window: in-order, reordered, duplicated, too-old and too-large
// counters, window advances of every size, and the REJECT_AFTER_MESSAGES edge.
#include <catch2/catch.hpp>

#include "core/constants.hpp"
#include "core/replay.hpp"

using namespace trellis::wg;

namespace {
constexpr uint64_t kLimit = kRejectAfterMessages;
}

TEST_CASE("replay window accepts each counter once", "[replay]") {
  ReplayWindow w;
  for (uint64_t c = 0; c < 20000; ++c) {
    REQUIRE(w.check(c, kLimit));
    REQUIRE(w.accept(c, kLimit));
    REQUIRE_FALSE(w.accept(c, kLimit));
  }
}

TEST_CASE("replay window: reordering inside the window, refusal outside", "[replay]") {
  ReplayWindow w;
  CHECK(ReplayWindow::kWindow >= 2048);
  CHECK(w.accept(0, kLimit));
  CHECK(w.accept(10000, kLimit));
  // Everything within the window below the top is still fresh, once.
  const uint64_t oldest_ok = 10000 - ReplayWindow::kWindow;
  CHECK(w.accept(oldest_ok, kLimit));
  CHECK_FALSE(w.accept(oldest_ok, kLimit));
  CHECK_FALSE(w.check(oldest_ok - 1, kLimit));
  CHECK_FALSE(w.accept(oldest_ok - 1, kLimit));
  CHECK_FALSE(w.accept(0, kLimit));
  for (uint64_t c = 9999; c > 9000; --c) CHECK(w.accept(c, kLimit));
  for (uint64_t c = 9999; c > 9000; --c) CHECK_FALSE(w.accept(c, kLimit));
}

TEST_CASE("replay window: jumps of every size clear stale bits", "[replay]") {
  // After a jump, counters that were seen long ago (same ring slot) must not
  // read as seen, and recent ones must.
  for (uint64_t jump : {1ULL, 63ULL, 64ULL, 65ULL, 127ULL, 8000ULL, 8128ULL, 8191ULL, 8192ULL, 8193ULL, 100000ULL}) {
    INFO("jump " << jump);
    ReplayWindow w;
    for (uint64_t c = 0; c < 8192; ++c) REQUIRE(w.accept(c, kLimit));
    const uint64_t top = 8191 + jump;
    REQUIRE(w.accept(top, kLimit));
    for (uint64_t c = top - 1; c + ReplayWindow::kWindow > top && c > 8191; --c) {
      REQUIRE(w.check(c, kLimit));
    }
    // Counters 0..8191 are either too old now or were already seen.
    for (uint64_t c = 0; c < 8192; ++c) REQUIRE_FALSE(w.check(c, kLimit));
  }
}

TEST_CASE("replay window: REJECT_AFTER_MESSAGES", "[replay]") {
  ReplayWindow w;
  CHECK_FALSE(w.accept(kLimit, kLimit));
  CHECK_FALSE(w.accept(~0ULL, kLimit));
  CHECK(w.accept(kLimit - 1, kLimit));
  CHECK_FALSE(w.accept(kLimit - 1, kLimit));
  CHECK(w.accept(kLimit - 2, kLimit));
  // A test-sized limit.
  ReplayWindow small;
  CHECK(small.accept(9, 10));
  CHECK_FALSE(small.accept(10, 10));
  // Even a looser caller limit cannot push counters past the protocol's.
  CHECK_FALSE(small.accept(~0ULL - 1, ~0ULL));
}

TEST_CASE("replay window: check does not change state", "[replay]") {
  ReplayWindow w;
  CHECK(w.check(5, kLimit));
  CHECK(w.check(5, kLimit));
  CHECK(w.next_expected() == 0);
  CHECK(w.accept(5, kLimit));
  CHECK(w.next_expected() == 6);
  w.reset();
  CHECK(w.accept(5, kLimit));
}
