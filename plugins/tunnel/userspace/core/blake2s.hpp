// SPDX-License-Identifier: Apache-2.0
// BLAKE2s primitives of WireGuard, all from OpenSSL 3 (no hand-rolled code):
//   HASH  BLAKE2s-256 (EVP_MD "BLAKE2S-256")
//   MAC   keyed BLAKE2s with a 16-byte output, for mac1, mac2 and cookies
//         (EVP_MAC "BLAKE2SMAC" with OSSL_MAC_PARAM_SIZE = 16)
//   HMAC  HMAC-BLAKE2s-256 (EVP_MAC "HMAC", digest BLAKE2S-256), the PRF of
//   KDF_n the Noise HKDF (whitepaper §5.4): τ0 = HMAC(key, input),
//         τ1 = HMAC(τ0, 0x1), τi = HMAC(τ0, τ(i-1) || i).
// Each thread keeps its own fetched algorithms and reusable contexts, so a call
// allocates nothing after the thread's first. Every function returns false only
// when OpenSSL itself fails (no provider, out of memory); callers treat that as
// a failed operation, never as success.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "core/secret.hpp"

namespace trellis::wg {

using Bytes = std::span<const uint8_t>;

[[nodiscard]] bool blake2s_256(std::span<uint8_t, kHashLen> out, std::initializer_list<Bytes> parts);
[[nodiscard]] bool blake2s_mac16(std::span<uint8_t, kCookieLen> out, Bytes key,
                                 std::initializer_list<Bytes> parts);
[[nodiscard]] bool hmac_blake2s(std::span<uint8_t, kHashLen> out, Bytes key,
                                std::initializer_list<Bytes> parts);

// KDF_1..KDF_3. Outputs are secrets; `key` may alias an output (the chaining key
// is usually both), since the input is consumed before any output is written.
[[nodiscard]] bool kdf1(SecretKey &t1, Bytes key, Bytes input);
[[nodiscard]] bool kdf2(SecretKey &t1, SecretKey &t2, Bytes key, Bytes input);
[[nodiscard]] bool kdf3(SecretKey &t1, SecretKey &t2, SecretKey &t3, Bytes key, Bytes input);

inline Bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

}  // namespace trellis::wg
