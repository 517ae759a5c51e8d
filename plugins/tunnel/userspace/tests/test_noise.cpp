// SPDX-License-Identifier: Apache-2.0
// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake vector and failure cases.
//
// No official WireGuard vector file exists, so vectors.inc holds one computed
// by gen_vectors.py, an independent implementation in Python (hashlib BLAKE2s,
// hmac, and the `cryptography` package's X25519 and ChaCha20-Poly1305), from
// fixed static and ephemeral keys, indices and timestamp. Our initiator and
// responder must produce its messages byte for byte, derive its transport
// keys, and talk to each other. The hash-chain start is also checked against
// the constants other implementations hard-code (e.g. boringtun's
// INITIAL_CHAIN_KEY / INITIAL_CHAIN_HASH): 60e26dae... and 2211b361....
#include <catch2/catch.hpp>

#include <cstring>

#include "core/cookie.hpp"
#include "core/keypair.hpp"
#include "core/noise.hpp"
#include "core/x25519.hpp"
#include "test_util.hpp"
#include "vectors.inc"

using namespace trellis::wg;
using namespace trellis::wg::test;

namespace {

class OneDirectory final : public InitiationConsumer::Directory {
 public:
  OneDirectory(const PublicKey &key, Handshake *hs) : key_(key), hs_(hs) {}
  Handshake *find_handshake(const PublicKey &k) override { return k == key_ ? hs_ : nullptr; }

 private:
  PublicKey key_;
  Handshake *hs_;
};

template <typename V>
struct Pair {
  StaticIdentity ini_id, resp_id;
  Handshake ini, resp;
  std::unique_ptr<ChaChaPoly> aead = make_chacha_poly();
  ScriptedRandom rng;
  PublicKey ini_pub{}, resp_pub{};

  Pair() {
    REQUIRE(ini_id.set(secret(V::si)));
    REQUIRE(resp_id.set(secret(V::sr)));
    ini_pub = ini_id.public_key;
    resp_pub = resp_id.public_key;
    ini.init(ini_id, resp_pub);
    resp.init(resp_id, ini_pub);
    ini.set_preshared_key(secret(V::psk));
    resp.set_preshared_key(secret(V::psk));
  }
};

template <typename V>
void run_vector() {
  Pair<V> p;
  CHECK(to_hex(p.ini_pub) == V::si_pub);
  CHECK(to_hex(p.resp_pub) == V::sr_pub);
  const uint64_t now = 1000 * kNsPerSec;

  // Message 1: e, es, s, ss, {t}
  p.rng.push(from_hex(V::ei));
  MessageInitiation m1;
  REQUIRE(p.ini.create_initiation(p.ini_id, *p.aead, p.rng, V::wall_ns, V::idx_i, m1) == NoiseError::none);
  CHECK(p.ini.state() == HandshakeState::created_initiation);
  CookieMaker to_resp;
  REQUIRE(to_resp.init(p.resp_pub));
  REQUIRE(to_resp.add_macs(message_bytes(m1), now));
  CHECK(to_hex(message_bytes(m1)) == V::msg1);

  Handshake *found = nullptr;
  OneDirectory dir(p.ini_pub, &p.resp);
  REQUIRE(InitiationConsumer::consume(p.resp_id, *p.aead, m1, now, dir, found) == NoiseError::none);
  CHECK(found == &p.resp);
  CHECK(p.resp.state() == HandshakeState::consumed_initiation);
  CHECK(p.resp.remote_index() == V::idx_i);
  CHECK(to_hex(p.resp.latest_timestamp()) == V::ts);

  // Message 2: e, ee, se, psk, {}
  p.rng.push(from_hex(V::er));
  MessageResponse m2;
  REQUIRE(p.resp.create_response(*p.aead, p.rng, V::idx_r, m2) == NoiseError::none);
  CookieMaker to_ini;
  REQUIRE(to_ini.init(p.ini_pub));
  REQUIRE(to_ini.add_macs(message_bytes(m2), now));
  CHECK(to_hex(message_bytes(m2)) == V::msg2);

  REQUIRE(p.ini.consume_response(p.ini_id, *p.aead, m2) == NoiseError::none);
  CHECK(p.ini.state() == HandshakeState::consumed_response);

  SessionKeys ki, kr;
  REQUIRE(p.ini.begin_session(ki) == NoiseError::none);
  REQUIRE(p.resp.begin_session(kr) == NoiseError::none);
  CHECK(p.ini.state() == HandshakeState::zeroed);
  CHECK(p.resp.state() == HandshakeState::zeroed);
  CHECK(ki.initiator);
  CHECK_FALSE(kr.initiator);
  CHECK(to_hex(ki.send.span()) == V::t_send_i);
  CHECK(to_hex(ki.recv.span()) == V::t_recv_i);
  CHECK(to_hex(kr.send.span()) == V::t_recv_i);
  CHECK(to_hex(kr.recv.span()) == V::t_send_i);
  CHECK(ki.local_index == V::idx_i);
  CHECK(ki.remote_index == V::idx_r);
  CHECK(kr.local_index == V::idx_r);
  CHECK(kr.remote_index == V::idx_i);

  // First transport packet, byte for byte, and back.
  Keypair kpi(ki, now), kpr(kr, now);
  const auto ip = from_hex(V::ip);
  std::vector<uint8_t> out(128);
  const size_t n = kpi.seal(*p.aead, 0, ip, 1420, out);
  REQUIRE(n == 16 + 32 + 16);
  CHECK(to_hex({out.data(), n}) == V::data);
  std::vector<uint8_t> plain(n - 32);
  REQUIRE(kpr.open(*p.aead, {out.data(), n}, plain.data()));
  CHECK(std::equal(ip.begin(), ip.end(), plain.begin()));
  CHECK(std::all_of(plain.begin() + ip.size(), plain.end(), [](uint8_t b) { return b == 0; }));
  // And the other direction, with both AEAD backends.
  auto sodium = make_chacha_poly(AeadBackend::sodium);
  const size_t m = kpr.seal(*sodium, 7, ip, 1420, out);
  REQUIRE(kpi.open(*p.aead, {out.data(), m}, plain.data()));
}

}  // namespace

TEST_CASE("Noise hash chain starts at the published constants", "[noise]") {
  CHECK(to_hex(initial_chaining_key()) == vectors::kInitialChainingKey);
  CHECK(to_hex(initial_hash()) == vectors::kInitialHash);
  CHECK(to_hex(initial_chaining_key()) == "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36");
  CHECK(to_hex(initial_hash()) == "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3");
}

TEST_CASE("Noise IKpsk2 vector without preshared key", "[noise]") { run_vector<vectors::HandshakeNoPsk>(); }

TEST_CASE("Noise IKpsk2 vector with preshared key", "[noise]") { run_vector<vectors::HandshakePsk>(); }

TEST_CASE("Noise failures", "[noise]") {
  using V = vectors::HandshakePsk;
  Pair<V> p;
  const uint64_t now = 1000 * kNsPerSec;
  OneDirectory dir(p.ini_pub, &p.resp);
  Handshake *found = nullptr;
  MessageInitiation m1;
  REQUIRE(p.ini.create_initiation(p.ini_id, *p.aead, p.rng, V::wall_ns, 1, m1) == NoiseError::none);

  SECTION("unknown initiator static key") {
    OneDirectory none(PublicKey{}, nullptr);
    CHECK(InitiationConsumer::consume(p.resp_id, *p.aead, m1, now, none, found) == NoiseError::unknown_peer);
    CHECK(found == nullptr);
  }
  SECTION("tampered fields fail to decrypt") {
    for (size_t off : {offsetof(MessageInitiation, encrypted_static), offsetof(MessageInitiation, encrypted_timestamp) + 3,
                       offsetof(MessageInitiation, ephemeral) + 5}) {
      MessageInitiation bad = m1;
      message_bytes(bad)[off] ^= 0x20;
      CHECK(InitiationConsumer::consume(p.resp_id, *p.aead, bad, now, dir, found) == NoiseError::decrypt_failed);
    }
    CHECK(p.resp.state() == HandshakeState::zeroed);
  }
  SECTION("low-order ephemeral is refused") {
    MessageInitiation bad = m1;
    std::memset(bad.ephemeral.data(), 0, 32);
    CHECK(InitiationConsumer::consume(p.resp_id, *p.aead, bad, now, dir, found) == NoiseError::bad_dh);
  }
  SECTION("replayed initiation (same TAI64N) is refused") {
    REQUIRE(InitiationConsumer::consume(p.resp_id, *p.aead, m1, now, dir, found) == NoiseError::none);
    CHECK(InitiationConsumer::consume(p.resp_id, *p.aead, m1, now + kNsPerSec, dir, found) ==
          NoiseError::stale_timestamp);
    // An older one too.
    MessageInitiation older;
    REQUIRE(p.ini.create_initiation(p.ini_id, *p.aead, p.rng, V::wall_ns - kNsPerSec, 2, older) == NoiseError::none);
    CHECK(InitiationConsumer::consume(p.resp_id, *p.aead, older, now + kNsPerSec, dir, found) ==
          NoiseError::stale_timestamp);
  }
  SECTION("initiations faster than 50 per second are refused") {
    REQUIRE(InitiationConsumer::consume(p.resp_id, *p.aead, m1, now, dir, found) == NoiseError::none);
    MessageInitiation newer;
    REQUIRE(p.ini.create_initiation(p.ini_id, *p.aead, p.rng, V::wall_ns + kNsPerSec, 3, newer) == NoiseError::none);
    CHECK(InitiationConsumer::consume(p.resp_id, *p.aead, newer, now + 10 * kNsPerMs, dir, found) ==
          NoiseError::flood);
    CHECK(InitiationConsumer::consume(p.resp_id, *p.aead, newer, now + 25 * kNsPerMs, dir, found) ==
          NoiseError::none);
  }
  SECTION("preshared key mismatch fails at the response") {
    p.resp.set_preshared_key(secret("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
    REQUIRE(InitiationConsumer::consume(p.resp_id, *p.aead, m1, now, dir, found) == NoiseError::none);
    MessageResponse m2;
    REQUIRE(p.resp.create_response(*p.aead, p.rng, 9, m2) == NoiseError::none);
    CHECK(p.ini.consume_response(p.ini_id, *p.aead, m2) == NoiseError::decrypt_failed);
    CHECK(p.ini.state() == HandshakeState::created_initiation);  // unchanged
  }
  SECTION("state machine refuses out-of-order steps") {
    MessageResponse m2{};
    SessionKeys k;
    CHECK(p.resp.create_response(*p.aead, p.rng, 9, m2) == NoiseError::bad_state);
    CHECK(p.resp.begin_session(k) == NoiseError::bad_state);
    CHECK(p.ini.begin_session(k) == NoiseError::bad_state);  // created_initiation
    REQUIRE(InitiationConsumer::consume(p.resp_id, *p.aead, m1, now, dir, found) == NoiseError::none);
    CHECK(p.resp.consume_response(p.resp_id, *p.aead, m2) == NoiseError::bad_state);
    CHECK(p.resp.begin_session(k) == NoiseError::bad_state);  // consumed_initiation
  }
  SECTION("a peer with a low-order static key cannot handshake") {
    Handshake hs;
    hs.init(p.ini_id, PublicKey{});
    MessageInitiation m;
    CHECK(hs.create_initiation(p.ini_id, *p.aead, p.rng, V::wall_ns, 4, m) == NoiseError::bad_dh);
  }
  SECTION("no identity") {
    StaticIdentity none;
    Handshake hs;
    hs.init(none, p.resp_pub);
    MessageInitiation m;
    CHECK(hs.create_initiation(none, *p.aead, p.rng, V::wall_ns, 4, m) == NoiseError::no_identity);
    CHECK(InitiationConsumer::consume(none, *p.aead, m1, now, dir, found) == NoiseError::no_identity);
  }
}

TEST_CASE("TAI64N encoding and order", "[noise]") {
  // 2^62 + 10 + seconds, then nanoseconds rounded down to 2^24.
  const Timestamp t = tai64n_from_unix_ns(1'700'000'000LL * 1'000'000'000LL + 123'456'789);
  CHECK(to_hex(t) == "400000006553f10a" "07000000");
  CHECK(tai64n_after(tai64n_from_unix_ns(2'000'000'000), tai64n_from_unix_ns(1'000'000'000)));
  CHECK_FALSE(tai64n_after(tai64n_from_unix_ns(1'000'000'001), tai64n_from_unix_ns(1'000'000'000)));
}
