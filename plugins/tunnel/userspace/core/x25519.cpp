// SPDX-License-Identifier: Apache-2.0
// X25519 key generation and Diffie-Hellman via libsodium's crypto_scalarmult.
#include "core/x25519.hpp"

#include <sodium/crypto_scalarmult_curve25519.h>

namespace trellis::wg {

void clamp_private_key(SecretKey &key) {
  key.data()[0] &= 248;
  key.data()[31] &= 127;
  key.data()[31] |= 64;
}

SecretKey generate_private_key(RandomSource &rng) {
  SecretKey k;
  rng.fill(k.span());
  clamp_private_key(k);
  return k;
}

bool derive_public_key(PublicKey &out, const SecretKey &priv) {
  return crypto_scalarmult_curve25519_base(out.data(), priv.data()) == 0;
}

bool dh(SecretKey &out, const SecretKey &priv, const PublicKey &pub) {
  // libsodium returns -1 when the result is all zeros (a low-order point).
  if (crypto_scalarmult_curve25519(out.data(), priv.data(), pub.data()) != 0 || out.is_zero()) {
    out.wipe();
    return false;
  }
  return true;
}

}  // namespace trellis::wg
