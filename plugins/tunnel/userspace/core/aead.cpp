// SPDX-License-Identifier: Apache-2.0
// ChaCha20-Poly1305 over OpenSSL EVP (reused contexts) and over libsodium, and
// XChaCha20-Poly1305 over libsodium.
#include "core/aead.hpp"

#include <climits>
#include <cstring>

#include <openssl/evp.h>
#include <sodium/core.h>
#include <sodium/crypto_aead_chacha20poly1305.h>
#include <sodium/crypto_aead_xchacha20poly1305.h>

namespace trellis::wg {
namespace {

class EvpChaChaPoly final : public ChaChaPoly {
 public:
  EvpChaChaPoly() {
    cipher_ = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
    enc_ = EVP_CIPHER_CTX_new();
    dec_ = EVP_CIPHER_CTX_new();
    ok_ = cipher_ != nullptr && enc_ != nullptr && dec_ != nullptr &&
          EVP_EncryptInit_ex2(enc_, cipher_, nullptr, nullptr, nullptr) == 1 &&
          EVP_DecryptInit_ex2(dec_, cipher_, nullptr, nullptr, nullptr) == 1;
  }
  ~EvpChaChaPoly() override {
    EVP_CIPHER_CTX_free(dec_);
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_free(cipher_);
  }
  EvpChaChaPoly(const EvpChaChaPoly &) = delete;
  EvpChaChaPoly &operator=(const EvpChaChaPoly &) = delete;

  bool ok() const { return ok_; }
  AeadBackend backend() const override { return AeadBackend::openssl; }

  bool seal(const SecretKey &key, const Nonce &nonce, std::span<const uint8_t> pt, std::span<const uint8_t> ad,
            uint8_t *out) override {
    if (pt.size() > INT_MAX - kAeadTagLen || ad.size() > INT_MAX) return false;
    int len = 0;
    if (EVP_EncryptInit_ex2(enc_, nullptr, key.data(), nonce.data(), nullptr) != 1) return false;
    if (!ad.empty() && EVP_EncryptUpdate(enc_, nullptr, &len, ad.data(), static_cast<int>(ad.size())) != 1) {
      return false;
    }
    if (!pt.empty() && EVP_EncryptUpdate(enc_, out, &len, pt.data(), static_cast<int>(pt.size())) != 1) {
      return false;
    }
    int fin = 0;
    if (EVP_EncryptFinal_ex(enc_, out + pt.size(), &fin) != 1) return false;
    return EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_AEAD_GET_TAG, kAeadTagLen, out + pt.size()) == 1;
  }

  bool open(const SecretKey &key, const Nonce &nonce, std::span<const uint8_t> sealed, std::span<const uint8_t> ad,
            uint8_t *out) override {
    if (sealed.size() < kAeadTagLen || sealed.size() > INT_MAX || ad.size() > INT_MAX) return false;
    const size_t n = sealed.size() - kAeadTagLen;
    uint8_t tag[kAeadTagLen];
    std::memcpy(tag, sealed.data() + n, kAeadTagLen);
    int len = 0;
    bool good = EVP_DecryptInit_ex2(dec_, nullptr, key.data(), nonce.data(), nullptr) == 1 &&
                EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_AEAD_SET_TAG, kAeadTagLen, tag) == 1 &&
                (ad.empty() || EVP_DecryptUpdate(dec_, nullptr, &len, ad.data(), static_cast<int>(ad.size())) == 1) &&
                (n == 0 || EVP_DecryptUpdate(dec_, out, &len, sealed.data(), static_cast<int>(n)) == 1);
    int fin = 0;
    good = good && EVP_DecryptFinal_ex(dec_, out + n, &fin) == 1;
    // EVP decrypts before it checks the tag: never leave forged plaintext behind.
    if (!good && n != 0) sodium_memzero(out, n);
    return good;
  }

 private:
  EVP_CIPHER *cipher_ = nullptr;
  EVP_CIPHER_CTX *enc_ = nullptr;
  EVP_CIPHER_CTX *dec_ = nullptr;
  bool ok_ = false;
};

class SodiumChaChaPoly final : public ChaChaPoly {
 public:
  AeadBackend backend() const override { return AeadBackend::sodium; }

  bool seal(const SecretKey &key, const Nonce &nonce, std::span<const uint8_t> pt, std::span<const uint8_t> ad,
            uint8_t *out) override {
    return crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, out + pt.size(), nullptr, pt.data(), pt.size(),
                                                              ad.data(), ad.size(), nullptr, nonce.data(),
                                                              key.data()) == 0;
  }

  bool open(const SecretKey &key, const Nonce &nonce, std::span<const uint8_t> sealed, std::span<const uint8_t> ad,
            uint8_t *out) override {
    if (sealed.size() < kAeadTagLen) return false;
    const size_t n = sealed.size() - kAeadTagLen;
    // Verifies the tag before writing any plaintext.
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, nullptr, sealed.data(), n, sealed.data() + n,
                                                              ad.data(), ad.size(), nonce.data(), key.data()) == 0;
  }
};

}  // namespace

std::unique_ptr<ChaChaPoly> make_chacha_poly(AeadBackend backend) {
  if (backend == AeadBackend::sodium) {
    if (sodium_init() < 0) return nullptr;
    return std::make_unique<SodiumChaChaPoly>();
  }
  auto evp = std::make_unique<EvpChaChaPoly>();
  if (!evp->ok()) return nullptr;
  return evp;
}

bool xchacha_seal(const SecretKey &key, std::span<const uint8_t, kXNonceLen> nonce, std::span<const uint8_t> pt,
                  std::span<const uint8_t> ad, uint8_t *out) {
  return crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, out + pt.size(), nullptr, pt.data(), pt.size(),
                                                             ad.data(), ad.size(), nullptr, nonce.data(),
                                                             key.data()) == 0;
}

bool xchacha_open(const SecretKey &key, std::span<const uint8_t, kXNonceLen> nonce, std::span<const uint8_t> sealed,
                  std::span<const uint8_t> ad, uint8_t *out) {
  if (sealed.size() < kAeadTagLen) return false;
  const size_t n = sealed.size() - kAeadTagLen;
  return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, nullptr, sealed.data(), n, sealed.data() + n,
                                                             ad.data(), ad.size(), nonce.data(), key.data()) == 0;
}

}  // namespace trellis::wg
