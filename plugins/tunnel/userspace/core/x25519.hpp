// SPDX-License-Identifier: Apache-2.0
// X25519 (RFC 7748) through libsodium. `dh` refuses an all-zero shared secret,
// which is what a low-order public point yields; WireGuard treats that as a
// failed handshake (whitepaper §5.4, DH). Private keys are clamped when made,
// as `wg genkey` does, so stored keys match what other implementations show.
#pragma once

#include "core/random.hpp"
#include "core/secret.hpp"

namespace trellis::wg {

// Clamp a scalar in place (RFC 7748 §5, decodeScalar25519).
void clamp_private_key(SecretKey &key);

// A fresh clamped private key from `rng`.
SecretKey generate_private_key(RandomSource &rng);

// The public key of a private key. False if libsodium refuses the scalar.
[[nodiscard]] bool derive_public_key(PublicKey &out, const SecretKey &priv);

// Shared secret DH(priv, pub). False (and `out` zeroed) for a low-order point.
[[nodiscard]] bool dh(SecretKey &out, const SecretKey &priv, const PublicKey &pub);

}  // namespace trellis::wg
