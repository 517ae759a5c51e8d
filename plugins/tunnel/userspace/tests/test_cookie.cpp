// SPDX-License-Identifier: Apache-2.0
// mac1/mac2, cookie replies and secret rotation, and the handshake rate
// limiter (rate, burst, per-source keys, bounded table).
#include <catch2/catch.hpp>

#include <cstring>

#include "core/blake2s.hpp"
#include "core/cookie.hpp"
#include "core/rate_limiter.hpp"
#include "test_util.hpp"

using namespace trellis::wg;
using namespace trellis::wg::test;

namespace {

const PublicKey kResponderPub = arr<32>("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
const Endpoint kSrc = Endpoint::udp4({203, 0, 113, 7}, 51820);

std::vector<uint8_t> initiation_bytes() {
  std::vector<uint8_t> m(kInitiationLen);
  for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<uint8_t>(i * 7);
  m[0] = 1;
  m[1] = m[2] = m[3] = 0;
  return m;
}

}  // namespace

TEST_CASE("mac1 is keyed BLAKE2s of HASH(label || receiver key) over the prefix", "[cookie]") {
  CookieMaker maker;
  REQUIRE(maker.init(kResponderPub));
  auto m = initiation_bytes();
  REQUIRE(maker.add_macs(m, 0));
  Hash key;
  REQUIRE(blake2s_256(key, {as_bytes(kLabelMac1), kResponderPub}));
  Cookie expect;
  REQUIRE(blake2s_mac16(expect, key, {Bytes{m.data(), 116}}));
  CHECK(std::memcmp(m.data() + 116, expect.data(), 16) == 0);
  CHECK(is_zero_ct({m.data() + 132, 16}));  // no cookie: mac2 zero

  SystemRandom rng;
  RateLimiter limiter(rng, 4);
  CookieChecker checker;
  REQUIRE(checker.set_local_public_key(kResponderPub));
  CHECK(checker.validate(m, kSrc, false, 0, limiter, rng) == MacState::valid_mac_no_cookie);
  m[50] ^= 1;
  CHECK(checker.validate(m, kSrc, false, 0, limiter, rng) == MacState::invalid_mac);
  CookieChecker other;
  REQUIRE(other.set_local_public_key(arr<32>("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")));
  m[50] ^= 1;
  CHECK(other.validate(m, kSrc, false, 0, limiter, rng) == MacState::invalid_mac);
}

TEST_CASE("cookie reply round trip makes mac2 valid", "[cookie]") {
  SystemRandom rng;
  RateLimiter limiter(rng, 4);
  CookieChecker checker;
  REQUIRE(checker.set_local_public_key(kResponderPub));
  CookieMaker maker;
  REQUIRE(maker.init(kResponderPub));
  uint64_t now = 10 * kNsPerSec;

  auto m = initiation_bytes();
  REQUIRE(maker.add_macs(m, now));
  CHECK(checker.validate(m, kSrc, true, now, limiter, rng) == MacState::valid_mac_no_cookie);

  MessageCookieReply reply;
  REQUIRE(checker.create_reply(m, 0x01020304u, kSrc, now, rng, reply));
  CHECK(reply.type == 3);
  CHECK(load_le32(reply.receiver_index.data()) == 0x01020304u);

  // A reply is only good as an answer to the last mac1 sent.
  MessageCookieReply tampered = reply;
  tampered.encrypted_cookie[0] ^= 1;
  CHECK_FALSE(maker.consume_reply(tampered, now));
  REQUIRE(maker.consume_reply(reply, now));
  CHECK(maker.has_valid_cookie(now));
  CHECK_FALSE(maker.consume_reply(reply, now));  // used: no mac1 outstanding

  auto m2 = initiation_bytes();
  m2[20] = 0x55;  // a new message
  REQUIRE(maker.add_macs(m2, now + kNsPerSec));
  CHECK_FALSE(is_zero_ct({m2.data() + 132, 16}));
  CHECK(checker.validate(m2, kSrc, true, now + kNsPerSec, limiter, rng) == MacState::valid_mac_with_cookie);
  // The cookie is bound to the source address and port.
  CHECK(checker.validate(m2, Endpoint::udp4({203, 0, 113, 7}, 51821), true, now + kNsPerSec, limiter, rng) ==
        MacState::valid_mac_no_cookie);
  CHECK(checker.validate(m2, Endpoint::udp4({203, 0, 113, 8}, 51820), true, now + kNsPerSec, limiter, rng) ==
        MacState::valid_mac_no_cookie);

  // The maker stops using a cookie after 120 - 5 s ...
  auto m3 = initiation_bytes();
  REQUIRE(maker.add_macs(m3, now + 116 * kNsPerSec));
  CHECK(is_zero_ct({m3.data() + 132, 16}));
  // ... and the checker's secret rotates after 120 s, so old cookies fail.
  CHECK(checker.validate(m2, kSrc, true, now + 121 * kNsPerSec, limiter, rng) == MacState::valid_mac_no_cookie);
}

TEST_CASE("rate limiter: 20/s with a burst of 5 per source", "[cookie]") {
  SystemRandom rng;
  RateLimiter rl(rng, 16);
  uint64_t now = 100 * kNsPerSec;
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += rl.allow(kSrc, now) ? 1 : 0;
  CHECK(allowed == 5);
  // Another source is independent; the same IPv6 /64 is one source.
  CHECK(rl.allow(Endpoint::udp4({203, 0, 113, 8}, 1), now));
  std::array<uint8_t, 16> a6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};
  std::array<uint8_t, 16> b6 = a6;
  b6[15] = 9;
  int v6 = 0;
  for (int i = 0; i < 4; ++i) v6 += rl.allow(Endpoint::udp6(a6, 1), now) ? 1 : 0;
  for (int i = 0; i < 4; ++i) v6 += rl.allow(Endpoint::udp6(b6, 2), now) ? 1 : 0;
  CHECK(v6 == 5);
  // One token per 50 ms.
  CHECK_FALSE(rl.allow(kSrc, now + 40 * kNsPerMs));
  CHECK(rl.allow(kSrc, now + 50 * kNsPerMs));
  CHECK_FALSE(rl.allow(kSrc, now + 60 * kNsPerMs));
  // Sustained 20/s over 10 s gives about 200 (+ the burst).
  int sustained = 0;
  for (uint64_t t = 0; t < 10 * kNsPerSec; t += 10 * kNsPerMs) sustained += rl.allow(kSrc, now + kNsPerSec + t) ? 1 : 0;
  CHECK(sustained >= 199);
  CHECK(sustained <= 206);
}

TEST_CASE("rate limiter table is bounded and recycles idle entries", "[cookie]") {
  SystemRandom rng;
  RateLimiter rl(rng, 2);  // 16 entries
  REQUIRE(rl.capacity() == 16);
  const uint64_t now = 5 * kNsPerSec;
  int accepted = 0;
  for (uint32_t i = 0; i < 200; ++i) {
    accepted += rl.allow(Endpoint::udp4({198, 51, 100, static_cast<uint8_t>(i)}, 7), now) ? 1 : 0;
  }
  // 200 distinct sources, one message each, compete for 16 slots.
  CHECK(accepted <= 16);
  CHECK(rl.live_entries(now) <= 16);
  // A second later the entries are idle and the table takes new sources.
  CHECK(rl.allow(Endpoint::udp4({198, 51, 100, 200}, 9), now + 2 * kNsPerSec));
}
