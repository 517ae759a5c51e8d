// SPDX-License-Identifier: Apache-2.0
// mac1/mac2 computation and checking, cookie generation and cookie replies.
#include "core/cookie.hpp"

#include <cstring>

#include "core/aead.hpp"
#include "core/blake2s.hpp"

namespace trellis::wg {
namespace {

bool derive_keys(const PublicKey &pub, Hash &mac1_key, SecretKey &reply_key) {
  Hash reply;
  if (!blake2s_256(mac1_key, {as_bytes(kLabelMac1), pub}) || !blake2s_256(reply, {as_bytes(kLabelCookie), pub})) {
    return false;
  }
  reply_key = SecretKey(reply);
  return true;
}

bool compute_mac1(Cookie &out, std::span<const uint8_t> message, const Hash &mac1_key) {
  return blake2s_mac16(out, mac1_key, {message.first(mac1_offset(message.size()))});
}

bool compute_mac2(Cookie &out, std::span<const uint8_t> message, const Cookie &cookie) {
  return blake2s_mac16(out, cookie, {message.first(mac2_offset(message.size()))});
}

bool is_handshake_length(size_t n) { return n == kInitiationLen || n == kResponseLen; }

}  // namespace

bool CookieChecker::set_local_public_key(const PublicKey &pub) {
  ready_ = derive_keys(pub, mac1_key_, reply_key_);
  return ready_;
}

bool CookieChecker::make_cookie(Cookie &out, const Endpoint &source, uint64_t now, RandomSource &rng) {
  // R changes every COOKIE_SECRET_MAX_AGE; old cookies then stop matching.
  if (!have_secret_ || now >= secret_birth_ + kCookieSecretMaxAge) {
    rng.fill(secret_.span());
    secret_birth_ = now;
    have_secret_ = true;
  }
  uint8_t src[18];
  const size_t n = source.cookie_source(src);
  return blake2s_mac16(out, Bytes{secret_.data(), secret_.size()}, {Bytes{src, n}});
}

MacState CookieChecker::validate(std::span<const uint8_t> message, const Endpoint &source, bool check_cookie,
                                 uint64_t now, RateLimiter &limiter, RandomSource &rng) {
  if (!ready_ || !is_handshake_length(message.size())) return MacState::invalid_mac;
  Cookie computed;
  if (!compute_mac1(computed, message, mac1_key_) ||
      !equal_ct(computed, message.subspan(mac1_offset(message.size()), kCookieLen))) {
    return MacState::invalid_mac;
  }
  if (!check_cookie) return MacState::valid_mac_no_cookie;
  Cookie cookie;
  if (!make_cookie(cookie, source, now, rng) || !compute_mac2(computed, message, cookie) ||
      !equal_ct(computed, message.subspan(mac2_offset(message.size()), kCookieLen))) {
    return MacState::valid_mac_no_cookie;
  }
  if (!limiter.allow(source, now)) return MacState::valid_mac_with_cookie_but_ratelimited;
  return MacState::valid_mac_with_cookie;
}

bool CookieChecker::create_reply(std::span<const uint8_t> message, uint32_t sender_index, const Endpoint &source,
                                 uint64_t now, RandomSource &rng, MessageCookieReply &out) {
  if (!ready_ || !is_handshake_length(message.size())) return false;
  std::memset(&out, 0, sizeof(out));
  out.type = static_cast<uint8_t>(MessageType::cookie_reply);
  store_le32(out.receiver_index.data(), sender_index);
  rng.fill(out.nonce);
  Cookie cookie;
  if (!make_cookie(cookie, source, now, rng)) return false;
  // AD = the mac1 of the message we answer, so only its sender can use this.
  const auto mac1 = message.subspan(mac1_offset(message.size()), kCookieLen);
  const bool ok = xchacha_seal(reply_key_, out.nonce, cookie, mac1, out.encrypted_cookie.data());
  wipe(cookie);
  return ok;
}

bool CookieMaker::init(const PublicKey &peer_public) {
  cookie_valid_ = false;
  have_sent_mac1_ = false;
  return derive_keys(peer_public, mac1_key_, reply_key_);
}

bool CookieMaker::has_valid_cookie(uint64_t now) const {
  return cookie_valid_ && now < cookie_birth_ + (kCookieSecretMaxAge - kCookieSecretLatency);
}

bool CookieMaker::add_macs(std::span<uint8_t> message, uint64_t now) {
  if (!is_handshake_length(message.size())) return false;
  Cookie mac1;
  if (!compute_mac1(mac1, message, mac1_key_)) return false;
  std::memcpy(message.data() + mac1_offset(message.size()), mac1.data(), kCookieLen);
  last_mac1_ = mac1;
  have_sent_mac1_ = true;
  Cookie mac2{};
  if (has_valid_cookie(now) && !compute_mac2(mac2, message, cookie_)) return false;
  std::memcpy(message.data() + mac2_offset(message.size()), mac2.data(), kCookieLen);
  return true;
}

bool CookieMaker::consume_reply(const MessageCookieReply &reply, uint64_t now) {
  if (!have_sent_mac1_) return false;
  Cookie cookie;
  if (!xchacha_open(reply_key_, reply.nonce, reply.encrypted_cookie, last_mac1_, cookie.data())) return false;
  cookie_ = cookie;
  wipe(cookie);
  cookie_birth_ = now;
  cookie_valid_ = true;
  have_sent_mac1_ = false;
  return true;
}

}  // namespace trellis::wg
