// SPDX-License-Identifier: Apache-2.0
// The Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake of WireGuard
// (whitepaper §5.4), sans-I/O: functions fill or consume message structs and
// update one peer's Handshake; the device does index allocation, MACs,
// sending and timers around them.
//
//   initiator                                    responder
//   create_initiation   -- e, es, s, ss, {t} ->  consume_initiation
//   consume_response    <- e, ee, se, psk, {} -- create_response
//   begin_session (both): (T_send, T_recv) = KDF2(C, ε), roles swapped
//
// Handshake states (one per peer, transitions only here):
//   zeroed               nothing in flight
//   created_initiation   we sent an initiation and wait for its response
//   consumed_initiation  we accepted an initiation, response not made yet
//   created_response     we answered; begin_session makes the responder keys
//   consumed_response    the response authenticated; begin_session makes the
//                        initiator keys
// begin_session returns the handshake to zeroed and wipes its ephemeral key,
// chaining key and hash; the greatest accepted timestamp and the time of the
// last accepted initiation stay, for replay and flood protection.
#pragma once

#include <cstdint>

#include "core/aead.hpp"
#include "core/messages.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"

namespace trellis::wg {

enum class HandshakeState : uint8_t {
  zeroed,
  created_initiation,
  consumed_initiation,
  created_response,
  consumed_response,
};

const char *to_string(HandshakeState s);

// The device's long-term key pair and the hash values that depend only on it.
struct StaticIdentity {
  SecretKey private_key;
  PublicKey public_key{};
  bool has_key = false;

  // False (identity left empty) if the key is unusable.
  [[nodiscard]] bool set(const SecretKey &priv);
  void clear();
};

// The hash chain's starting point, fixed by the protocol name:
// C = HASH(construction), H = HASH(C || identifier).
const Hash &initial_chaining_key();
const Hash &initial_hash();

enum class NoiseError : uint8_t {
  none,
  no_identity,       // this device has no private key
  bad_state,         // message does not fit the handshake's state
  decrypt_failed,    // an AEAD field did not authenticate
  bad_dh,            // a DH gave the all-zero result (low-order point)
  unknown_peer,      // the initiator's static key is not one of our peers
  stale_timestamp,   // initiation not newer than the last accepted (replay)
  flood,             // initiations from this peer faster than 50/s
  crypto_failure,    // the crypto library failed
};

const char *to_string(NoiseError e);

// Everything session-specific a finished handshake yields.
struct SessionKeys {
  SecretKey send;
  SecretKey recv;
  uint32_t local_index = 0;
  uint32_t remote_index = 0;
  bool initiator = false;
};

class Handshake {
 public:
  Handshake() = default;
  Handshake(const Handshake &) = delete;
  Handshake &operator=(const Handshake &) = delete;

  // Set up for a peer; precomputes DH(S_priv, S_pub_remote) (ss). Call again
  // when the device identity changes.
  void init(const StaticIdentity &identity, const PublicKey &remote_static);
  void set_preshared_key(const SecretKey &psk) { preshared_key_ = psk; }
  // Back to zeroed; wipes ephemeral, chaining key and hash (keeps timestamp).
  void clear();

  HandshakeState state() const { return state_; }
  const PublicKey &remote_static() const { return remote_static_; }
  uint32_t local_index() const { return local_index_; }
  uint32_t remote_index() const { return remote_index_; }
  const Timestamp &latest_timestamp() const { return latest_timestamp_; }

  // Noise IK message 1, first half (mac1/mac2 are left zero for the cookie
  // layer). wall_unix_ns feeds the TAI64N timestamp.
  [[nodiscard]] NoiseError create_initiation(const StaticIdentity &identity, ChaChaPoly &aead, RandomSource &rng,
                                             int64_t wall_unix_ns, uint32_t local_index, MessageInitiation &out);
  // Noise IK message 2 (mac fields left zero).
  [[nodiscard]] NoiseError create_response(ChaChaPoly &aead, RandomSource &rng, uint32_t local_index,
                                           MessageResponse &out);
  // For a response whose receiver index named this handshake.
  [[nodiscard]] NoiseError consume_response(const StaticIdentity &identity, ChaChaPoly &aead,
                                            const MessageResponse &msg);
  // Derive the transport keys from a finished handshake and return to zeroed.
  [[nodiscard]] NoiseError begin_session(SessionKeys &out);

 private:
  friend class InitiationConsumer;

  HandshakeState state_ = HandshakeState::zeroed;
  PublicKey remote_static_{};
  SecretKey static_static_;  // DH(S_priv_local, S_pub_remote); zero if invalid
  SecretKey preshared_key_;
  SecretKey ephemeral_private_;
  PublicKey remote_ephemeral_{};
  Hash hash_{};
  SecretKey chaining_key_;
  Timestamp latest_timestamp_{};
  uint64_t last_initiation_consumption_ = 0;
  bool consumed_any_initiation_ = false;
  uint32_t local_index_ = 0;
  uint32_t remote_index_ = 0;
};

// Noise IK message 1 on the responder: decrypts the initiator's static key,
// asks `find` for that peer's Handshake, and on success records the message in
// it (state consumed_initiation). `now` is the monotonic clock (flood check).
class InitiationConsumer {
 public:
  class Directory {
   public:
    virtual ~Directory() = default;
    virtual Handshake *find_handshake(const PublicKey &initiator_static) = 0;
  };

  [[nodiscard]] static NoiseError consume(const StaticIdentity &identity, ChaChaPoly &aead,
                                          const MessageInitiation &msg, uint64_t now, Directory &directory,
                                          Handshake *&out);
};

}  // namespace trellis::wg
