// SPDX-License-Identifier: Apache-2.0
// WireGuard protocol constants (whitepaper §6.1 and §5.4, and the values the
// Linux implementation uses for its queue and rate limits). The time and
// counter limits a test may want to shrink are gathered in `Limits`, whose
// defaults are the protocol's own; everything else is fixed by the wire format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace trellis::wg {

inline constexpr uint64_t kNsPerSec = 1'000'000'000ULL;
inline constexpr uint64_t kNsPerMs = 1'000'000ULL;

// Noise protocol name and the WireGuard prologue (whitepaper §5.4).
inline constexpr std::string_view kConstruction = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
inline constexpr std::string_view kIdentifier = "WireGuard v1 zx2c4 Jason@zx2c4.com";
inline constexpr std::string_view kLabelMac1 = "mac1----";
inline constexpr std::string_view kLabelCookie = "cookie--";

inline constexpr size_t kKeyLen = 32;
inline constexpr size_t kHashLen = 32;
inline constexpr size_t kAeadTagLen = 16;
inline constexpr size_t kCookieLen = 16;
inline constexpr size_t kTimestampLen = 12;
inline constexpr size_t kXNonceLen = 24;

// Counters (whitepaper §6.1). REJECT_AFTER_MESSAGES leaves room for the replay
// window below 2^64 so the receive side never has to wrap.
inline constexpr uint64_t kRekeyAfterMessages = 1ULL << 60;
inline constexpr uint64_t kRejectAfterMessages = ~0ULL - (1ULL << 13);  // 2^64 - 2^13 - 1

// Handshake and session timing.
inline constexpr uint64_t kRekeyAfterTime = 120 * kNsPerSec;
inline constexpr uint64_t kRejectAfterTime = 180 * kNsPerSec;
inline constexpr uint64_t kRekeyAttemptTime = 90 * kNsPerSec;
inline constexpr uint64_t kRekeyTimeout = 5 * kNsPerSec;
inline constexpr uint64_t kRekeyTimeoutJitterMax = kNsPerSec / 3;
inline constexpr uint64_t kKeepaliveTimeout = 10 * kNsPerSec;
inline constexpr uint64_t kCookieSecretMaxAge = 120 * kNsPerSec;
inline constexpr uint64_t kCookieSecretLatency = 5 * kNsPerSec;

// At most this many initiations per second are accepted from one peer (a flood
// guard on top of the timestamp check), as in Linux's INITIATIONS_PER_SECOND.
inline constexpr uint64_t kInitiationsPerSecond = 50;

// Outbound packets held per peer while a handshake is under way.
inline constexpr size_t kMaxStagedPackets = 128;

// The device counts as "under load" (mac2 required) once the I/O layer reports
// this many queued handshake messages, and stays so for one second after.
inline constexpr size_t kMaxQueuedIncomingHandshakes = 4096;
inline constexpr size_t kUnderLoadBacklog = kMaxQueuedIncomingHandshakes / 8;
inline constexpr uint64_t kUnderLoadAfterTime = kNsPerSec;

// Handshake rate limiter: per source address (IPv4, IPv6 /64), 20 packets per
// second with a burst of 5.
inline constexpr uint64_t kRateLimitPacketsPerSecond = 20;
inline constexpr uint64_t kRateLimitBurst = 5;

// Transport data plaintext is padded to a multiple of this (never past the MTU).
inline constexpr size_t kPaddingMultiple = 16;

// Tunable limits; tests shrink some of them. The defaults are the protocol's.
struct Limits {
  uint64_t rekey_after_messages = kRekeyAfterMessages;
  uint64_t reject_after_messages = kRejectAfterMessages;
  uint64_t rekey_after_time = kRekeyAfterTime;
  uint64_t reject_after_time = kRejectAfterTime;
  uint64_t rekey_attempt_time = kRekeyAttemptTime;
  uint64_t rekey_timeout = kRekeyTimeout;
  uint64_t keepalive_timeout = kKeepaliveTimeout;

  // Retransmissions before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT.
  constexpr uint64_t max_timer_handshakes() const { return rekey_attempt_time / rekey_timeout; }
};

}  // namespace trellis::wg
