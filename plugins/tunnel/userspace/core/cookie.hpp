// SPDX-License-Identifier: Apache-2.0
// WireGuard's DoS mitigation (whitepaper §5.4.4, §5.4.7): MACs on handshake
// messages and cookie replies.
//
//   mac1 = MAC(HASH("mac1----" || S_pub_receiver), msg[..mac1])   always
//   mac2 = MAC(cookie, msg[..mac2])                                with a cookie
//   cookie = MAC(R, source address || port); R random, renewed every 120 s
//   reply  = XAEAD(HASH("cookie--" || S_pub_sender), nonce, cookie, mac1)
//
// CookieChecker is the receiving side of one device: it always checks mac1,
// checks mac2 (and the per-source rate limit) when told the device is under
// load, and makes cookie replies. CookieMaker is the sending side, one per
// peer: it adds mac1, adds mac2 while it holds a cookie younger than
// 120 - 5 s, and accepts a cookie reply only as an answer to the last mac1 it
// sent.
#pragma once

#include <cstdint>
#include <span>

#include "core/endpoint.hpp"
#include "core/messages.hpp"
#include "core/random.hpp"
#include "core/rate_limiter.hpp"
#include "core/secret.hpp"

namespace trellis::wg {

enum class MacState : uint8_t {
  invalid_mac,                   // mac1 wrong (or mac2 wrong when checked)
  valid_mac_no_cookie,           // mac1 right; mac2 not checked or wrong
  valid_mac_with_cookie_but_ratelimited,
  valid_mac_with_cookie,
};

class CookieChecker {
 public:
  // Our static public key (mac1 and cookie-reply keys derive from it).
  [[nodiscard]] bool set_local_public_key(const PublicKey &pub);

  // `message` is a whole initiation or response. With check_cookie, also
  // verifies mac2 against this source's current cookie and takes a rate-limit
  // token.
  MacState validate(std::span<const uint8_t> message, const Endpoint &source, bool check_cookie, uint64_t now,
                    RateLimiter &limiter, RandomSource &rng);

  // A cookie reply to `message` (whose sender index it echoes) from `source`.
  [[nodiscard]] bool create_reply(std::span<const uint8_t> message, uint32_t sender_index, const Endpoint &source,
                                  uint64_t now, RandomSource &rng, MessageCookieReply &out);

 private:
  bool make_cookie(Cookie &out, const Endpoint &source, uint64_t now, RandomSource &rng);

  Hash mac1_key_{};
  SecretKey reply_key_;   // HASH("cookie--" || S_pub): public-derived, kept as a key
  SecretKey secret_;      // R
  uint64_t secret_birth_ = 0;
  bool have_secret_ = false;
  bool ready_ = false;
};

class CookieMaker {
 public:
  // The peer's static public key (the receiver of what we send).
  [[nodiscard]] bool init(const PublicKey &peer_public);

  // Fill mac1 and mac2 of a whole initiation or response in place.
  [[nodiscard]] bool add_macs(std::span<uint8_t> message, uint64_t now);

  // A cookie reply addressed to us; false unless it answers our last mac1.
  [[nodiscard]] bool consume_reply(const MessageCookieReply &reply, uint64_t now);

  bool has_valid_cookie(uint64_t now) const;

 private:
  Hash mac1_key_{};
  SecretKey reply_key_;
  Cookie cookie_{};
  uint64_t cookie_birth_ = 0;
  bool cookie_valid_ = false;
  Cookie last_mac1_{};
  bool have_sent_mac1_ = false;
};

}  // namespace trellis::wg
