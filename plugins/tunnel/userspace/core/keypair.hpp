// SPDX-License-Identifier: Apache-2.0
// A transport session: the two keys one handshake derived, the indices that
// name it on the wire, the send counter and the receive replay window.
//
// The data path is split so the I/O layer can batch crypto on worker threads:
//   - seal/open are const and touch only the immutable keys: call them from
//     any thread, concurrently, each thread with its own ChaChaPoly; they
//     allocate nothing and work in place on the caller's buffers;
//   - reserve (send counters), can_send/can_receive, the replay window and the
//     invalidate calls are control state: the device calls them, serialised
//     per peer (the I/O layer's per-peer or device lock).
// Keypairs are shared_ptr-owned, so a worker holding one keeps it alive after
// the peer rotated it out; the keys are wiped when the last owner lets go.
#pragma once

#include <cstdint>
#include <span>

#include "core/aead.hpp"
#include "core/constants.hpp"
#include "core/messages.hpp"
#include "core/noise.hpp"
#include "core/replay.hpp"

namespace trellis::wg {

class Keypair {
 public:
  Keypair(const SessionKeys &keys, uint64_t birth);
  Keypair(const Keypair &) = delete;
  Keypair &operator=(const Keypair &) = delete;

  uint32_t local_index() const { return local_index_; }
  uint32_t remote_index() const { return remote_index_; }
  bool initiator() const { return initiator_; }
  uint64_t birth() const { return birth_; }

  // Plaintext length after padding to a multiple of 16, not past the MTU
  // (mtu 0: no limit), and never shorter than the payload.
  static size_t padded_len(size_t payload_len, size_t mtu);

  // ---- Pure crypto: any thread. ----

  // buf = [16 bytes header room][payload_len plaintext][room]; buf must hold
  // 16 + padded_len + 16 bytes. Writes header, zero padding, ciphertext and
  // tag in place. Returns the message length, 0 if buf is too small.
  size_t seal_in_place(ChaChaPoly &aead, uint64_t counter, std::span<uint8_t> buf, size_t payload_len,
                       size_t mtu) const;
  // Same from a separate plaintext buffer (copied into out first).
  size_t seal(ChaChaPoly &aead, uint64_t counter, std::span<const uint8_t> plaintext, size_t mtu,
              std::span<uint8_t> out) const;
  // `message` is a whole transport datagram for this keypair. Writes
  // message.size() - 32 bytes of padded plaintext to out (which may be
  // message.data() + 16). False if it does not authenticate.
  bool open(ChaChaPoly &aead, std::span<const uint8_t> message, uint8_t *out) const;

  // ---- Control state: serialised per peer. ----

  bool can_send(uint64_t now, const Limits &limits) const;
  bool can_receive(uint64_t now, const Limits &limits) const;
  // Take `count` consecutive send counters starting at `first`. False (and the
  // keypair stops sending) if that would reach REJECT_AFTER_MESSAGES.
  bool reserve(uint32_t count, const Limits &limits, uint64_t &first);
  uint64_t next_send_counter() const { return next_send_; }
  bool sending_valid() const { return sending_valid_; }
  ReplayWindow &replay() { return replay_; }
  const ReplayWindow &replay() const { return replay_; }
  void invalidate_sending() { sending_valid_ = false; }
  void invalidate() { sending_valid_ = receiving_valid_ = false; }

 private:
  const SecretKey send_key_;
  const SecretKey recv_key_;
  const uint32_t local_index_;
  const uint32_t remote_index_;
  const bool initiator_;
  const uint64_t birth_;

  uint64_t next_send_ = 0;
  bool sending_valid_ = true;
  bool receiving_valid_ = true;
  ReplayWindow replay_;
};

}  // namespace trellis::wg
