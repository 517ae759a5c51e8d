// SPDX-License-Identifier: Apache-2.0
// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s message processing (whitepaper §5.4.2
// to §5.4.6). Every consume works on local copies of the chaining key and hash
// and writes them into the Handshake only once the whole message verified;
// intermediate keys are Secrets and wipe themselves on every exit.
#include "core/noise.hpp"

#include <cstring>

#include "core/blake2s.hpp"
#include "core/tai64n.hpp"
#include "core/x25519.hpp"

namespace trellis::wg {

const char *to_string(HandshakeState s) {
  switch (s) {
    case HandshakeState::zeroed: return "zeroed";
    case HandshakeState::created_initiation: return "created_initiation";
    case HandshakeState::consumed_initiation: return "consumed_initiation";
    case HandshakeState::created_response: return "created_response";
    case HandshakeState::consumed_response: return "consumed_response";
  }
  return "?";
}

const char *to_string(NoiseError e) {
  switch (e) {
    case NoiseError::none: return "none";
    case NoiseError::no_identity: return "no_identity";
    case NoiseError::bad_state: return "bad_state";
    case NoiseError::decrypt_failed: return "decrypt_failed";
    case NoiseError::bad_dh: return "bad_dh";
    case NoiseError::unknown_peer: return "unknown_peer";
    case NoiseError::stale_timestamp: return "stale_timestamp";
    case NoiseError::flood: return "flood";
    case NoiseError::crypto_failure: return "crypto_failure";
  }
  return "?";
}

namespace {

struct InitialValues {
  Hash chaining_key{};
  Hash hash{};
  InitialValues() {
    // C = HASH(construction); H = HASH(C || identifier). A failure leaves
    // zeros, which no peer will match, so handshakes fail rather than misbehave.
    if (!blake2s_256(chaining_key, {as_bytes(kConstruction)}) ||
        !blake2s_256(hash, {chaining_key, as_bytes(kIdentifier)})) {
      chaining_key.fill(0);
      hash.fill(0);
    }
  }
};

const InitialValues &initial_values() {
  static const InitialValues v;
  return v;
}

Bytes bytes_of(const SecretKey &k) { return {k.data(), k.size()}; }

// H = HASH(H || data)
bool mix_hash(Hash &h, Bytes data) {
  Hash next;
  if (!blake2s_256(next, {h, data})) return false;
  h = next;
  return true;
}

// Noise "e" in psk mode: C = KDF1(C, e_pub); H = HASH(H || e_pub).
NoiseError mix_ephemeral(SecretKey &ck, Hash &h, const PublicKey &e) {
  if (!kdf1(ck, bytes_of(ck), e) || !mix_hash(h, e)) return NoiseError::crypto_failure;
  return NoiseError::none;
}

// (C, k) = KDF2(C, DH(priv, pub)); k may be null when unused (ee, se).
NoiseError mix_dh(SecretKey &ck, SecretKey *key, const SecretKey &priv, const PublicKey &pub) {
  SecretKey shared;
  if (!dh(shared, priv, pub)) return NoiseError::bad_dh;
  SecretKey unused;
  if (!kdf2(ck, key != nullptr ? *key : unused, bytes_of(ck), bytes_of(shared))) return NoiseError::crypto_failure;
  return NoiseError::none;
}

// ss with the per-peer precomputed DH(S_priv, S_pub).
NoiseError mix_precomputed_dh(SecretKey &ck, SecretKey &key, const SecretKey &precomputed) {
  if (precomputed.is_zero()) return NoiseError::bad_dh;
  if (!kdf2(ck, key, bytes_of(ck), bytes_of(precomputed))) return NoiseError::crypto_failure;
  return NoiseError::none;
}

// psk: (C, τ, k) = KDF3(C, Q); H = HASH(H || τ).
NoiseError mix_psk(SecretKey &ck, Hash &h, SecretKey &key, const SecretKey &psk) {
  SecretKey tau;
  if (!kdf3(ck, tau, key, bytes_of(ck), bytes_of(psk)) || !mix_hash(h, bytes_of(tau))) {
    return NoiseError::crypto_failure;
  }
  return NoiseError::none;
}

// out = AEAD(k, 0, plaintext, H); H = HASH(H || out)
NoiseError encrypt_and_hash(ChaChaPoly &aead, uint8_t *out, Bytes plaintext, const SecretKey &key, Hash &h) {
  if (!aead.seal(key, 0, plaintext, h, out)) return NoiseError::crypto_failure;
  if (!mix_hash(h, Bytes{out, plaintext.size() + kAeadTagLen})) return NoiseError::crypto_failure;
  return NoiseError::none;
}

// out = AEAD-open(k, 0, sealed, H); H = HASH(H || sealed)
NoiseError decrypt_and_hash(ChaChaPoly &aead, uint8_t *out, Bytes sealed, const SecretKey &key, Hash &h) {
  if (!aead.open(key, 0, sealed, h, out)) return NoiseError::decrypt_failed;
  if (!mix_hash(h, sealed)) return NoiseError::crypto_failure;
  return NoiseError::none;
}

#define NOISE_TRY(expr)                                   \
  do {                                                    \
    if (NoiseError e_ = (expr); e_ != NoiseError::none) { \
      return e_;                                          \
    }                                                     \
  } while (0)

}  // namespace

const Hash &initial_chaining_key() { return initial_values().chaining_key; }
const Hash &initial_hash() { return initial_values().hash; }

bool StaticIdentity::set(const SecretKey &priv) {
  clear();
  SecretKey clamped = priv;
  clamp_private_key(clamped);
  PublicKey pub;
  if (clamped.is_zero() || !derive_public_key(pub, clamped)) return false;
  private_key = clamped;
  public_key = pub;
  has_key = true;
  return true;
}

void StaticIdentity::clear() {
  private_key.wipe();
  public_key.fill(0);
  has_key = false;
}

void Handshake::init(const StaticIdentity &identity, const PublicKey &remote_static) {
  clear();
  remote_static_ = remote_static;
  // ss, precomputed. A low-order remote key leaves it zero; handshakes then fail.
  if (!identity.has_key || !dh(static_static_, identity.private_key, remote_static)) static_static_.wipe();
}

void Handshake::clear() {
  ephemeral_private_.wipe();
  remote_ephemeral_.fill(0);
  sodium_memzero(hash_.data(), hash_.size());
  chaining_key_.wipe();
  remote_index_ = 0;
  local_index_ = 0;
  state_ = HandshakeState::zeroed;
}

NoiseError Handshake::create_initiation(const StaticIdentity &identity, ChaChaPoly &aead, RandomSource &rng,
                                        int64_t wall_unix_ns, uint32_t local_index, MessageInitiation &out) {
  if (!identity.has_key) return NoiseError::no_identity;
  std::memset(&out, 0, sizeof(out));
  out.type = static_cast<uint8_t>(MessageType::initiation);
  store_le32(out.sender_index.data(), local_index);

  SecretKey ck(initial_chaining_key());
  Hash h = initial_hash();
  SecretKey key;
  // H = HASH(H || S_pub_r)
  if (!mix_hash(h, remote_static_)) return NoiseError::crypto_failure;

  // e
  SecretKey eph = generate_private_key(rng);
  PublicKey eph_pub;
  if (!derive_public_key(eph_pub, eph)) return NoiseError::crypto_failure;
  std::memcpy(out.ephemeral.data(), eph_pub.data(), kKeyLen);
  NOISE_TRY(mix_ephemeral(ck, h, eph_pub));
  // es
  NOISE_TRY(mix_dh(ck, &key, eph, remote_static_));
  // s
  NOISE_TRY(encrypt_and_hash(aead, out.encrypted_static.data(), identity.public_key, key, h));
  // ss
  NOISE_TRY(mix_precomputed_dh(ck, key, static_static_));
  // {t}
  const Timestamp ts = tai64n_from_unix_ns(wall_unix_ns);
  NOISE_TRY(encrypt_and_hash(aead, out.encrypted_timestamp.data(), ts, key, h));

  ephemeral_private_ = eph;
  chaining_key_ = ck;
  hash_ = h;
  local_index_ = local_index;
  remote_index_ = 0;
  state_ = HandshakeState::created_initiation;
  return NoiseError::none;
}

NoiseError InitiationConsumer::consume(const StaticIdentity &identity, ChaChaPoly &aead, const MessageInitiation &msg,
                                       uint64_t now, Directory &directory, Handshake *&out) {
  out = nullptr;
  if (!identity.has_key) return NoiseError::no_identity;
  SecretKey ck(initial_chaining_key());
  Hash h = initial_hash();
  SecretKey key;
  // H = HASH(H || S_pub_r), our own static
  if (!mix_hash(h, identity.public_key)) return NoiseError::crypto_failure;

  // e
  PublicKey e;
  std::memcpy(e.data(), msg.ephemeral.data(), kKeyLen);
  NOISE_TRY(mix_ephemeral(ck, h, e));
  // es
  NOISE_TRY(mix_dh(ck, &key, identity.private_key, e));
  // s
  PublicKey s;
  NOISE_TRY(decrypt_and_hash(aead, s.data(), msg.encrypted_static, key, h));
  Handshake *hs = directory.find_handshake(s);
  if (hs == nullptr) return NoiseError::unknown_peer;
  // ss
  NOISE_TRY(mix_precomputed_dh(ck, key, hs->static_static_));
  // {t}
  Timestamp t;
  NOISE_TRY(decrypt_and_hash(aead, t.data(), msg.encrypted_timestamp, key, h));

  if (!tai64n_after(t, hs->latest_timestamp_)) return NoiseError::stale_timestamp;
  if (hs->consumed_any_initiation_ && now < hs->last_initiation_consumption_ + kNsPerSec / kInitiationsPerSecond) {
    return NoiseError::flood;
  }

  // Authenticated: commit into the peer's handshake. A handshake of ours in
  // flight (created_initiation) is superseded; its index is the caller's to free.
  hs->ephemeral_private_.wipe();
  hs->remote_ephemeral_ = e;
  hs->latest_timestamp_ = t;
  hs->hash_ = h;
  hs->chaining_key_ = ck;
  hs->remote_index_ = load_le32(msg.sender_index.data());
  hs->last_initiation_consumption_ = now;
  hs->consumed_any_initiation_ = true;
  hs->state_ = HandshakeState::consumed_initiation;
  out = hs;
  return NoiseError::none;
}

NoiseError Handshake::create_response(ChaChaPoly &aead, RandomSource &rng, uint32_t local_index,
                                      MessageResponse &out) {
  if (state_ != HandshakeState::consumed_initiation) return NoiseError::bad_state;
  std::memset(&out, 0, sizeof(out));
  out.type = static_cast<uint8_t>(MessageType::response);
  store_le32(out.sender_index.data(), local_index);
  store_le32(out.receiver_index.data(), remote_index_);

  SecretKey ck = chaining_key_;
  Hash h = hash_;
  SecretKey key;
  // e
  SecretKey eph = generate_private_key(rng);
  PublicKey eph_pub;
  if (!derive_public_key(eph_pub, eph)) return NoiseError::crypto_failure;
  std::memcpy(out.ephemeral.data(), eph_pub.data(), kKeyLen);
  NOISE_TRY(mix_ephemeral(ck, h, eph_pub));
  // ee
  NOISE_TRY(mix_dh(ck, nullptr, eph, remote_ephemeral_));
  // se
  NOISE_TRY(mix_dh(ck, nullptr, eph, remote_static_));
  // psk
  NOISE_TRY(mix_psk(ck, h, key, preshared_key_));
  // {}
  NOISE_TRY(encrypt_and_hash(aead, out.encrypted_nothing.data(), Bytes{}, key, h));

  ephemeral_private_ = eph;
  chaining_key_ = ck;
  hash_ = h;
  local_index_ = local_index;
  state_ = HandshakeState::created_response;
  return NoiseError::none;
}

NoiseError Handshake::consume_response(const StaticIdentity &identity, ChaChaPoly &aead, const MessageResponse &msg) {
  if (state_ != HandshakeState::created_initiation) return NoiseError::bad_state;
  if (!identity.has_key) return NoiseError::no_identity;
  SecretKey ck = chaining_key_;
  Hash h = hash_;
  SecretKey key;
  // e
  PublicKey e;
  std::memcpy(e.data(), msg.ephemeral.data(), kKeyLen);
  NOISE_TRY(mix_ephemeral(ck, h, e));
  // ee
  NOISE_TRY(mix_dh(ck, nullptr, ephemeral_private_, e));
  // se
  NOISE_TRY(mix_dh(ck, nullptr, identity.private_key, e));
  // psk
  NOISE_TRY(mix_psk(ck, h, key, preshared_key_));
  // {}
  uint8_t nothing[1];
  NOISE_TRY(decrypt_and_hash(aead, nothing, msg.encrypted_nothing, key, h));

  remote_ephemeral_ = e;
  chaining_key_ = ck;
  hash_ = h;
  remote_index_ = load_le32(msg.sender_index.data());
  state_ = HandshakeState::consumed_response;
  return NoiseError::none;
}

NoiseError Handshake::begin_session(SessionKeys &out) {
  bool initiator;
  if (state_ == HandshakeState::consumed_response) {
    initiator = true;
  } else if (state_ == HandshakeState::created_response) {
    initiator = false;
  } else {
    return NoiseError::bad_state;
  }
  // (T_i→r, T_r→i) = KDF2(C, ε)
  SecretKey t1;
  SecretKey t2;
  if (!kdf2(t1, t2, bytes_of(chaining_key_), Bytes{})) return NoiseError::crypto_failure;
  out.send = initiator ? t1 : t2;
  out.recv = initiator ? t2 : t1;
  out.local_index = local_index_;
  out.remote_index = remote_index_;
  out.initiator = initiator;
  clear();
  return NoiseError::none;
}

}  // namespace trellis::wg
