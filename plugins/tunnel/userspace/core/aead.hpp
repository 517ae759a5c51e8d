// SPDX-License-Identifier: Apache-2.0
// The two AEADs of WireGuard.
//
// ChaCha20-Poly1305 (RFC 8439) seals handshake fields and every transport data
// packet, with the 96-bit nonce 0x00000000 || little-endian 64-bit counter. It
// sits behind one small interface with two backends, OpenSSL EVP and
// libsodium; tests/bench/crypto measures both and `kDataPathBackend` names the
// faster one (OpenSSL EVP: 1.3-1.5x libsodium 1.0.18 on this project's
// machines at 1420-byte packets, with zero allocations per packet).
// An instance holds reusable cipher contexts and is meant to be owned by one
// thread (a crypto worker, or the control thread): seal/open allocate nothing.
//
// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) seals cookie replies; it comes
// from libsodium and is stateless.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "core/secret.hpp"

namespace trellis::wg {

enum class AeadBackend : uint8_t { openssl, sodium };

// The backend the data path uses (chosen by the crypto benchmark).
inline constexpr AeadBackend kDataPathBackend = AeadBackend::openssl;

class ChaChaPoly {
 public:
  static constexpr size_t kNonceLen = 12;
  using Nonce = std::array<uint8_t, kNonceLen>;

  virtual ~ChaChaPoly() = default;
  virtual AeadBackend backend() const = 0;

  // Writes plaintext.size() + 16 bytes to out (ciphertext then tag). `out` may
  // be exactly plaintext.data() (in place); other overlap is not allowed.
  [[nodiscard]] virtual bool seal(const SecretKey &key, const Nonce &nonce, std::span<const uint8_t> plaintext,
                                  std::span<const uint8_t> ad, uint8_t *out) = 0;
  // Writes sealed.size() - 16 bytes to out when the tag verifies; on failure
  // returns false and leaves no plaintext in out. `out` may be exactly
  // sealed.data().
  [[nodiscard]] virtual bool open(const SecretKey &key, const Nonce &nonce, std::span<const uint8_t> sealed,
                                  std::span<const uint8_t> ad, uint8_t *out) = 0;

  // WireGuard's nonce: 32 zero bits, then the 64-bit counter little-endian.
  static Nonce counter_nonce(uint64_t counter) {
    Nonce n{};
    for (size_t i = 0; i < 8; ++i) n[4 + i] = static_cast<uint8_t>(counter >> (8 * i));
    return n;
  }
  [[nodiscard]] bool seal(const SecretKey &key, uint64_t counter, std::span<const uint8_t> plaintext,
                          std::span<const uint8_t> ad, uint8_t *out) {
    return seal(key, counter_nonce(counter), plaintext, ad, out);
  }
  [[nodiscard]] bool open(const SecretKey &key, uint64_t counter, std::span<const uint8_t> sealed,
                          std::span<const uint8_t> ad, uint8_t *out) {
    return open(key, counter_nonce(counter), sealed, ad, out);
  }
};

// nullptr only if the backend cannot be initialised (OpenSSL without the
// ChaCha20-Poly1305 cipher, or sodium_init failing).
std::unique_ptr<ChaChaPoly> make_chacha_poly(AeadBackend backend = kDataPathBackend);

// XChaCha20-Poly1305: out gets plaintext.size() + 16 bytes.
[[nodiscard]] bool xchacha_seal(const SecretKey &key, std::span<const uint8_t, kXNonceLen> nonce,
                                std::span<const uint8_t> plaintext, std::span<const uint8_t> ad, uint8_t *out);
[[nodiscard]] bool xchacha_open(const SecretKey &key, std::span<const uint8_t, kXNonceLen> nonce,
                                std::span<const uint8_t> sealed, std::span<const uint8_t> ad, uint8_t *out);

}  // namespace trellis::wg
