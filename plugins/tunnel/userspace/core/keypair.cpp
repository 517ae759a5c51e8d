// SPDX-License-Identifier: Apache-2.0
// Transport data sealing/opening and per-session counters.
#include "core/keypair.hpp"

#include <cstring>

namespace trellis::wg {

Keypair::Keypair(const SessionKeys &keys, uint64_t birth)
    : send_key_(keys.send),
      recv_key_(keys.recv),
      local_index_(keys.local_index),
      remote_index_(keys.remote_index),
      initiator_(keys.initiator),
      birth_(birth) {}

size_t Keypair::padded_len(size_t payload_len, size_t mtu) {
  size_t padded = (payload_len + kPaddingMultiple - 1) / kPaddingMultiple * kPaddingMultiple;
  if (mtu != 0 && padded > mtu) padded = mtu > payload_len ? mtu : payload_len;
  return padded;
}

size_t Keypair::seal_in_place(ChaChaPoly &aead, uint64_t counter, std::span<uint8_t> buf, size_t payload_len,
                              size_t mtu) const {
  const size_t padded = padded_len(payload_len, mtu);
  const size_t total = kTransportHeaderLen + padded + kAeadTagLen;
  if (buf.size() < total || total > kMaxDatagramLen) return 0;
  encode_transport_header(buf.data(), remote_index_, counter);
  uint8_t *body = buf.data() + kTransportHeaderLen;
  std::memset(body + payload_len, 0, padded - payload_len);
  if (!aead.seal(send_key_, counter, {body, padded}, {}, body)) return 0;
  return total;
}

size_t Keypair::seal(ChaChaPoly &aead, uint64_t counter, std::span<const uint8_t> plaintext, size_t mtu,
                     std::span<uint8_t> out) const {
  if (out.size() < kTransportHeaderLen + plaintext.size()) return 0;
  if (!plaintext.empty() && plaintext.data() != out.data() + kTransportHeaderLen) {
    std::memmove(out.data() + kTransportHeaderLen, plaintext.data(), plaintext.size());
  }
  return seal_in_place(aead, counter, out, plaintext.size(), mtu);
}

bool Keypair::open(ChaChaPoly &aead, std::span<const uint8_t> message, uint8_t *out) const {
  if (message.size() < kTransportMinLen) return false;
  const uint64_t counter = load_le64(message.data() + kTransportCounterOffset);
  return aead.open(recv_key_, counter, message.subspan(kTransportHeaderLen), {}, out);
}

bool Keypair::can_send(uint64_t now, const Limits &limits) const {
  return sending_valid_ && now < birth_ + limits.reject_after_time && next_send_ < limits.reject_after_messages;
}

bool Keypair::can_receive(uint64_t now, const Limits &limits) const {
  return receiving_valid_ && now < birth_ + limits.reject_after_time &&
         replay_.next_expected() < limits.reject_after_messages;
}

bool Keypair::reserve(uint32_t count, const Limits &limits, uint64_t &first) {
  if (count == 0) return false;
  if (!sending_valid_ || next_send_ > limits.reject_after_messages ||
      limits.reject_after_messages - next_send_ < count) {
    sending_valid_ = false;
    return false;
  }
  first = next_send_;
  next_send_ += count;
  return true;
}

}  // namespace trellis::wg
