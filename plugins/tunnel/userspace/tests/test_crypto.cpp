// SPDX-License-Identifier: Apache-2.0
// Known-answer tests for the primitives: X25519 (RFC 7748 §5.2, §6.1),
// ChaCha20-Poly1305 (RFC 8439 §2.8.2) on both backends, XChaCha20-Poly1305
// (draft-irtf-cfrg-xchacha-03 §A.3.1), BLAKE2s (RFC 7693 Appendix B, the
// BLAKE2 keyed KAT), and keyed-BLAKE2s-128 / HMAC-BLAKE2s / KDF against
// vectors.inc (Python hashlib, see gen_vectors.py).
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "core/aead.hpp"
#include "core/blake2s.hpp"
#include "core/x25519.hpp"
#include "test_util.hpp"
#include "vectors.inc"

using namespace trellis::wg;
using namespace trellis::wg::test;

namespace {

std::string x25519_hex(std::string_view scalar, std::string_view u) {
  SecretKey out;
  const PublicKey pub = arr<32>(u);
  if (!dh(out, secret(scalar), pub)) return "refused";
  return to_hex(out.span());
}

const std::string kSunscreen =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would "
    "be it.";

std::vector<uint8_t> bytes_of(const std::string &s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> seq(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i);
  return v;
}

std::vector<uint8_t> key_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(0x80 + i);
  return v;
}

}  // namespace

TEST_CASE("X25519 RFC 7748 §5.2 vectors", "[crypto]") {
  CHECK(x25519_hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                   "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c") ==
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  // The u-coordinate's top bit is set: it must be masked, not rejected.
  CHECK(x25519_hex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                   "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493") ==
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

TEST_CASE("X25519 RFC 7748 §5.2 iterated 1 and 1000 times", "[crypto]") {
  PublicKey k = arr<32>("0900000000000000000000000000000000000000000000000000000000000000");
  PublicKey u = k;
  for (int i = 1; i <= 1000; ++i) {
    SecretKey priv{std::span<const uint8_t, 32>(k)};
    SecretKey r;
    REQUIRE(dh(r, priv, u));
    u = k;
    std::memcpy(k.data(), r.data(), 32);
    if (i == 1) CHECK(to_hex(k) == "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
  }
  CHECK(to_hex(k) == "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

TEST_CASE("X25519 RFC 7748 §6.1 Diffie-Hellman", "[crypto]") {
  const SecretKey a = secret("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const SecretKey b = secret("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  PublicKey pa, pb;
  REQUIRE(derive_public_key(pa, a));
  REQUIRE(derive_public_key(pb, b));
  CHECK(to_hex(pa) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  CHECK(to_hex(pb) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  SecretKey k1, k2;
  REQUIRE(dh(k1, a, pb));
  REQUIRE(dh(k2, b, pa));
  CHECK(to_hex(k1.span()) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  CHECK(to_hex(k2.span()) == to_hex(k1.span()));
}

TEST_CASE("X25519 refuses low-order points (all-zero result)", "[crypto]") {
  const SecretKey a = secret("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  // Points of order 1, 2, 4 and 8 (the canonical small-subgroup list).
  const char *low_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  for (const char *p : low_order) {
    SecretKey out;
    CHECK_FALSE(dh(out, a, arr<32>(p)));
    CHECK(out.is_zero());
  }
}

TEST_CASE("private keys are clamped when generated", "[crypto]") {
  SystemRandom rng;
  for (int i = 0; i < 32; ++i) {
    SecretKey k = generate_private_key(rng);
    CHECK((k.data()[0] & 7) == 0);
    CHECK((k.data()[31] & 0x80) == 0);
    CHECK((k.data()[31] & 0x40) == 0x40);
  }
}

TEST_CASE("ChaCha20-Poly1305 RFC 8439 §2.8.2 on both backends", "[crypto]") {
  const auto pt = bytes_of(kSunscreen);
  const auto ad = from_hex("50515253c0c1c2c3c4c5c6c7");
  const SecretKey key = secret("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  const auto nonce = arr<12>("070000004041424344454647");
  const std::string expected =
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
      "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
      "3ff4def08e4b7a9de576d26586cec64b6116"
      "1ae10b594f09e26a7e902ecbd0600691";
  for (AeadBackend backend : {AeadBackend::openssl, AeadBackend::sodium}) {
    INFO("backend " << static_cast<int>(backend));
    auto aead = make_chacha_poly(backend);
    REQUIRE(aead);
    std::vector<uint8_t> ct(pt.size() + 16);
    REQUIRE(aead->seal(key, nonce, pt, ad, ct.data()));
    CHECK(to_hex(ct) == expected);

    std::vector<uint8_t> back(pt.size());
    REQUIRE(aead->open(key, nonce, ct, ad, back.data()));
    CHECK(back == pt);

    // In place both ways.
    std::vector<uint8_t> buf = pt;
    buf.resize(pt.size() + 16);
    REQUIRE(aead->seal(key, nonce, {buf.data(), pt.size()}, ad, buf.data()));
    CHECK(to_hex(buf) == expected);
    REQUIRE(aead->open(key, nonce, buf, ad, buf.data()));
    CHECK(std::equal(pt.begin(), pt.end(), buf.begin()));

    // Any flipped bit (ciphertext, tag, AD) fails and leaves no plaintext.
    for (size_t pos : {size_t{0}, pt.size() - 1, pt.size(), pt.size() + 15}) {
      auto bad = from_hex(expected);
      bad[pos] ^= 0x01;
      std::vector<uint8_t> out(pt.size(), 0xee);
      CHECK_FALSE(aead->open(key, nonce, bad, ad, out.data()));
      CHECK(std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0 || b == 0xee; }));
    }
    auto bad_ad = ad;
    bad_ad[0] ^= 1;
    CHECK_FALSE(aead->open(key, nonce, ct, bad_ad, back.data()));
    CHECK_FALSE(aead->open(key, nonce, {ct.data(), 15}, ad, back.data()));  // shorter than a tag
  }
}

TEST_CASE("ChaCha20-Poly1305 backends agree on WireGuard counter nonces", "[crypto]") {
  auto evp = make_chacha_poly(AeadBackend::openssl);
  auto na = make_chacha_poly(AeadBackend::sodium);
  REQUIRE(evp);
  REQUIRE(na);
  const SecretKey key = secret("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  for (uint64_t counter : {0ULL, 1ULL, 0x0102030405060708ULL, ~0ULL}) {
    for (size_t len : {0, 1, 16, 1420, 65519}) {
      const auto pt = seq(len);
      std::vector<uint8_t> a(len + 16), b(len + 16);
      REQUIRE(evp->seal(key, counter, pt, {}, a.data()));
      REQUIRE(na->seal(key, counter, pt, {}, b.data()));
      CHECK(a == b);
      std::vector<uint8_t> back(len);
      CHECK(na->open(key, counter, a, {}, back.data()));
      CHECK(evp->open(key, counter, b, {}, back.data()));
      CHECK_FALSE(evp->open(key, counter + 1, b, {}, back.data()));
    }
  }
  // The nonce layout: 4 zero bytes then the counter little-endian.
  CHECK(to_hex(ChaChaPoly::counter_nonce(0x0102030405060708ULL)) == "000000000807060504030201");
}

TEST_CASE("XChaCha20-Poly1305 draft-irtf-cfrg-xchacha §A.3.1", "[crypto]") {
  const auto pt = bytes_of(kSunscreen);
  const auto ad = from_hex("50515253c0c1c2c3c4c5c6c7");
  const SecretKey key = secret("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  const auto nonce = arr<24>("404142434445464748494a4b4c4d4e4f5051525354555657");
  std::vector<uint8_t> ct(pt.size() + 16);
  REQUIRE(xchacha_seal(key, nonce, pt, ad, ct.data()));
  CHECK(to_hex(ct) ==
        "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39"
        "ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
        "21f9664c97637da9768812f615c68b13b52e"
        "c0875924c1c7987947deafd8780acf49");
  std::vector<uint8_t> back(pt.size());
  REQUIRE(xchacha_open(key, nonce, ct, ad, back.data()));
  CHECK(back == pt);
  ct[3] ^= 0x80;
  CHECK_FALSE(xchacha_open(key, nonce, ct, ad, back.data()));
}

TEST_CASE("BLAKE2s-256 RFC 7693 Appendix B and generated lengths", "[crypto]") {
  Hash h;
  const std::string abc = "abc";
  REQUIRE(blake2s_256(h, {as_bytes(abc)}));
  CHECK(to_hex(h) == "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
  for (const auto &c : vectors::kBlake2sCases) {
    INFO("len " << c.len);
    const auto in = seq(c.len);
    REQUIRE(blake2s_256(h, {in}));
    CHECK(to_hex(h) == c.hex);
    // Split input gives the same hash.
    const size_t cut = c.len / 3;
    REQUIRE(blake2s_256(h, {Bytes{in.data(), cut}, Bytes{in.data() + cut, c.len - cut}}));
    CHECK(to_hex(h) == c.hex);
  }
}

TEST_CASE("keyed BLAKE2s with 16-byte output (mac1, mac2, cookies)", "[crypto]") {
  // Reference values from Python hashlib.blake2s(key=..., digest_size=16);
  // gen_vectors.py first checks hashlib against the BLAKE2 keyed KAT.
  for (const auto &c : vectors::kMac16Cases) {
    INFO("key " << c.key_len << " len " << c.len);
    Cookie mac;
    REQUIRE(blake2s_mac16(mac, key_bytes(c.key_len), {seq(c.len)}));
    CHECK(to_hex(mac) == c.hex);
  }
  Cookie mac;
  CHECK_FALSE(blake2s_mac16(mac, key_bytes(33), {seq(3)}));  // keys are 1..32 bytes
  CHECK_FALSE(blake2s_mac16(mac, Bytes{}, {seq(3)}));
}

TEST_CASE("HMAC-BLAKE2s and the Noise KDF", "[crypto]") {
  for (const auto &c : vectors::kHmacCases) {
    INFO("key " << c.key_len << " len " << c.len);
    Hash out;
    REQUIRE(hmac_blake2s(out, key_bytes(c.key_len), {seq(c.len)}));
    CHECK(to_hex(out) == c.hex);
  }
  const auto key = key_bytes(32);
  const std::string input = "input";
  SecretKey t1, t2, t3;
  REQUIRE(kdf3(t1, t2, t3, key, as_bytes(input)));
  CHECK(to_hex(t1.span()) == vectors::kKdfT1);
  CHECK(to_hex(t2.span()) == vectors::kKdfT2);
  CHECK(to_hex(t3.span()) == vectors::kKdfT3);
  SecretKey u1, u2;
  REQUIRE(kdf2(u1, u2, key, as_bytes(input)));
  CHECK(to_hex(u1.span()) == vectors::kKdfT1);
  CHECK(to_hex(u2.span()) == vectors::kKdfT2);
  // The chaining key is usually both input key and output.
  SecretKey ck{std::span<const uint8_t, 32>(key.data(), 32)};
  REQUIRE(kdf1(ck, Bytes{ck.data(), 32}, as_bytes(input)));
  CHECK(to_hex(ck.span()) == vectors::kKdfT1);
}

TEST_CASE("Secret wipes and compares", "[crypto]") {
  SecretKey k = secret("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  CHECK_FALSE(k.is_zero());
  k.wipe();
  CHECK(k.is_zero());
  const auto a = from_hex("00112233");
  auto b = a;
  CHECK(equal_ct(a, b));
  b[3] ^= 1;
  CHECK_FALSE(equal_ct(a, b));
  CHECK_FALSE(equal_ct(a, Bytes{a.data(), 3}));
}
