// SPDX-License-Identifier: Apache-2.0
// OpenSSL-backed BLAKE2s hash, 16-byte keyed MAC, HMAC-BLAKE2s and the Noise KDF.
#include "core/blake2s.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace trellis::wg {
namespace {

// Per-thread fetched algorithms and contexts, made on first use and reused.
struct Blake2sContexts {
  EVP_MD *md = nullptr;
  EVP_MD_CTX *md_ctx = nullptr;
  EVP_MAC *hmac = nullptr;
  EVP_MAC_CTX *hmac_ctx = nullptr;
  EVP_MAC *kmac = nullptr;
  EVP_MAC_CTX *kmac_ctx = nullptr;
  bool ok = false;

  Blake2sContexts() {
    md = EVP_MD_fetch(nullptr, "BLAKE2S-256", nullptr);
    md_ctx = EVP_MD_CTX_new();
    hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    kmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_BLAKE2SMAC, nullptr);
    if (md == nullptr || md_ctx == nullptr || hmac == nullptr || kmac == nullptr) return;
    hmac_ctx = EVP_MAC_CTX_new(hmac);
    kmac_ctx = EVP_MAC_CTX_new(kmac);
    if (hmac_ctx == nullptr || kmac_ctx == nullptr) return;
    char digest[] = "BLAKE2S-256";
    OSSL_PARAM hp[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                       OSSL_PARAM_construct_end()};
    size_t size = kCookieLen;
    OSSL_PARAM kp[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                       OSSL_PARAM_construct_end()};
    ok = EVP_MAC_CTX_set_params(hmac_ctx, hp) == 1 && EVP_MAC_CTX_set_params(kmac_ctx, kp) == 1 &&
         EVP_MAC_CTX_get_mac_size(kmac_ctx) == kCookieLen;
  }
  ~Blake2sContexts() {
    EVP_MAC_CTX_free(kmac_ctx);
    EVP_MAC_CTX_free(hmac_ctx);
    EVP_MAC_free(kmac);
    EVP_MAC_free(hmac);
    EVP_MD_CTX_free(md_ctx);
    EVP_MD_free(md);
  }
  Blake2sContexts(const Blake2sContexts &) = delete;
  Blake2sContexts &operator=(const Blake2sContexts &) = delete;
};

Blake2sContexts &contexts() {
  thread_local Blake2sContexts c;
  return c;
}

bool mac(EVP_MAC_CTX *ctx, uint8_t *out, size_t out_len, Bytes key, std::initializer_list<Bytes> parts) {
  if (EVP_MAC_init(ctx, key.data(), key.size(), nullptr) != 1) return false;
  for (Bytes p : parts) {
    if (!p.empty() && EVP_MAC_update(ctx, p.data(), p.size()) != 1) return false;
  }
  size_t written = 0;
  return EVP_MAC_final(ctx, out, &written, out_len) == 1 && written == out_len;
}

}  // namespace

bool blake2s_256(std::span<uint8_t, kHashLen> out, std::initializer_list<Bytes> parts) {
  Blake2sContexts &c = contexts();
  if (!c.ok || EVP_DigestInit_ex2(c.md_ctx, c.md, nullptr) != 1) return false;
  for (Bytes p : parts) {
    if (!p.empty() && EVP_DigestUpdate(c.md_ctx, p.data(), p.size()) != 1) return false;
  }
  unsigned int written = 0;
  return EVP_DigestFinal_ex(c.md_ctx, out.data(), &written) == 1 && written == kHashLen;
}

bool blake2s_mac16(std::span<uint8_t, kCookieLen> out, Bytes key, std::initializer_list<Bytes> parts) {
  Blake2sContexts &c = contexts();
  if (!c.ok || key.empty() || key.size() > kKeyLen) return false;
  return mac(c.kmac_ctx, out.data(), out.size(), key, parts);
}

bool hmac_blake2s(std::span<uint8_t, kHashLen> out, Bytes key, std::initializer_list<Bytes> parts) {
  Blake2sContexts &c = contexts();
  if (!c.ok) return false;
  return mac(c.hmac_ctx, out.data(), out.size(), key, parts);
}

namespace {

// KDF_n with n in 1..3 (whitepaper §5.4). `key` is read only by the first
// HMAC, so it may alias an output; outputs are written after all are computed.
bool kdf(SecretKey *const *outs, int n, Bytes key, Bytes input) {
  SecretKey t0;
  if (!hmac_blake2s(t0.span(), key, {input})) return false;
  SecretKey t[3];
  for (int i = 1; i <= n; ++i) {
    const uint8_t counter = static_cast<uint8_t>(i);
    Bytes chain = i == 1 ? Bytes{} : Bytes{t[i - 2].data(), t[i - 2].size()};
    if (!hmac_blake2s(t[i - 1].span(), Bytes{t0.data(), t0.size()}, {chain, Bytes{&counter, 1}})) {
      return false;
    }
  }
  for (int i = 0; i < n; ++i) *outs[i] = t[i];
  return true;
}

}  // namespace

bool kdf1(SecretKey &t1, Bytes key, Bytes input) {
  SecretKey *outs[] = {&t1};
  return kdf(outs, 1, key, input);
}

bool kdf2(SecretKey &t1, SecretKey &t2, Bytes key, Bytes input) {
  SecretKey *outs[] = {&t1, &t2};
  return kdf(outs, 2, key, input);
}

bool kdf3(SecretKey &t1, SecretKey &t2, SecretKey &t3, Bytes key, Bytes input) {
  SecretKey *outs[] = {&t1, &t2, &t3};
  return kdf(outs, 3, key, input);
}

}  // namespace trellis::wg
