// SPDX-License-Identifier: Apache-2.0
// WireGuard wire formats (whitepaper §5.4) and the parser for untrusted
// datagrams. All integers are little-endian. Layouts (byte offsets):
//
//   initiation (148)  0 type=1 | 1 reserved[3] | 4 sender | 8 ephemeral[32]
//                     | 40 static[32+16] | 88 timestamp[12+16] | 116 mac1 | 132 mac2
//   response (92)     0 type=2 | 1 reserved[3] | 4 sender | 8 receiver
//                     | 12 ephemeral[32] | 44 empty[0+16] | 60 mac1 | 76 mac2
//   cookie reply (64) 0 type=3 | 1 reserved[3] | 4 receiver | 8 nonce[24]
//                     | 32 cookie[16+16]
//   transport (>=32)  0 type=4 | 1 reserved[3] | 4 receiver | 8 counter (u64)
//                     | 16 ciphertext of padded plaintext | tag[16]
//
// The structs are byte arrays only (alignment 1, no padding), so decoding is a
// bounded memcpy after the length check; the parser accepts a datagram only
// with a known type, zero reserved bytes and the exact (or, for transport, a
// valid) length, and never reads past the span it is given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "core/constants.hpp"

namespace trellis::wg {

enum class MessageType : uint8_t { initiation = 1, response = 2, cookie_reply = 3, transport = 4 };

struct MessageInitiation {
  uint8_t type;
  std::array<uint8_t, 3> reserved;
  std::array<uint8_t, 4> sender_index;
  std::array<uint8_t, kKeyLen> ephemeral;
  std::array<uint8_t, kKeyLen + kAeadTagLen> encrypted_static;
  std::array<uint8_t, kTimestampLen + kAeadTagLen> encrypted_timestamp;
  std::array<uint8_t, kCookieLen> mac1;
  std::array<uint8_t, kCookieLen> mac2;
};

struct MessageResponse {
  uint8_t type;
  std::array<uint8_t, 3> reserved;
  std::array<uint8_t, 4> sender_index;
  std::array<uint8_t, 4> receiver_index;
  std::array<uint8_t, kKeyLen> ephemeral;
  std::array<uint8_t, kAeadTagLen> encrypted_nothing;
  std::array<uint8_t, kCookieLen> mac1;
  std::array<uint8_t, kCookieLen> mac2;
};

struct MessageCookieReply {
  uint8_t type;
  std::array<uint8_t, 3> reserved;
  std::array<uint8_t, 4> receiver_index;
  std::array<uint8_t, kXNonceLen> nonce;
  std::array<uint8_t, kCookieLen + kAeadTagLen> encrypted_cookie;
};

inline constexpr size_t kInitiationLen = 148;
inline constexpr size_t kResponseLen = 92;
inline constexpr size_t kCookieReplyLen = 64;
inline constexpr size_t kTransportHeaderLen = 16;
inline constexpr size_t kTransportOverhead = kTransportHeaderLen + kAeadTagLen;
inline constexpr size_t kTransportMinLen = kTransportOverhead;  // a keepalive
inline constexpr size_t kMaxDatagramLen = 65535;
inline constexpr size_t kTransportCounterOffset = 8;

static_assert(sizeof(MessageInitiation) == kInitiationLen && alignof(MessageInitiation) == 1);
static_assert(sizeof(MessageResponse) == kResponseLen && alignof(MessageResponse) == 1);
static_assert(sizeof(MessageCookieReply) == kCookieReplyLen && alignof(MessageCookieReply) == 1);
static_assert(offsetof(MessageInitiation, sender_index) == 4 && offsetof(MessageInitiation, ephemeral) == 8 &&
              offsetof(MessageInitiation, encrypted_static) == 40 &&
              offsetof(MessageInitiation, encrypted_timestamp) == 88 && offsetof(MessageInitiation, mac1) == 116 &&
              offsetof(MessageInitiation, mac2) == 132);
static_assert(offsetof(MessageResponse, receiver_index) == 8 && offsetof(MessageResponse, ephemeral) == 12 &&
              offsetof(MessageResponse, encrypted_nothing) == 44 && offsetof(MessageResponse, mac1) == 60 &&
              offsetof(MessageResponse, mac2) == 76);
static_assert(offsetof(MessageCookieReply, receiver_index) == 4 && offsetof(MessageCookieReply, nonce) == 8 &&
              offsetof(MessageCookieReply, encrypted_cookie) == 32);

// mac1 covers everything before it, mac2 everything before mac2: in both
// handshake messages the two MACs are the last 32 bytes.
inline constexpr size_t mac1_offset(size_t message_len) { return message_len - 2 * kCookieLen; }
inline constexpr size_t mac2_offset(size_t message_len) { return message_len - kCookieLen; }

inline uint32_t load_le32(const uint8_t *p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
inline void store_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint64_t load_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
inline void store_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

enum class ParseStatus : uint8_t {
  ok,
  too_short,     // shorter than any message's fixed part
  unknown_type,  // first byte not 1..4
  bad_reserved,  // reserved bytes not zero
  bad_length,    // wrong size for its type (truncated or oversized)
};

struct ParsedMessage {
  ParseStatus status = ParseStatus::too_short;
  MessageType type = MessageType::transport;
};

// Classify a datagram. Reads at most the first 4 bytes plus the length.
ParsedMessage parse_message(std::span<const uint8_t> datagram);

// Typed copies; only valid after parse_message said ok with that type.
template <typename T>
T decode_message(std::span<const uint8_t> datagram) {
  static_assert(std::is_trivially_copyable_v<T>);
  T out;
  std::memcpy(&out, datagram.data(), sizeof(T));
  return out;
}

// The fixed header of a transport data message.
struct TransportHeader {
  uint32_t receiver_index;
  uint64_t counter;
};
inline TransportHeader decode_transport_header(std::span<const uint8_t> datagram) {
  return {load_le32(datagram.data() + 4), load_le64(datagram.data() + kTransportCounterOffset)};
}
inline void encode_transport_header(uint8_t *out, uint32_t receiver_index, uint64_t counter) {
  out[0] = static_cast<uint8_t>(MessageType::transport);
  out[1] = out[2] = out[3] = 0;
  store_le32(out + 4, receiver_index);
  store_le64(out + kTransportCounterOffset, counter);
}

template <typename T>
std::span<const uint8_t, sizeof(T)> message_bytes(const T &m) {
  return std::span<const uint8_t, sizeof(T)>(reinterpret_cast<const uint8_t *>(&m), sizeof(T));
}
template <typename T>
std::span<uint8_t, sizeof(T)> message_bytes(T &m) {
  return std::span<uint8_t, sizeof(T)>(reinterpret_cast<uint8_t *>(&m), sizeof(T));
}

}  // namespace trellis::wg
