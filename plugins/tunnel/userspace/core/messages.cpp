// SPDX-License-Identifier: Apache-2.0
// Classification of untrusted datagrams by type, reserved bytes and length.
#include "core/messages.hpp"

namespace trellis::wg {

ParsedMessage parse_message(std::span<const uint8_t> d) {
  ParsedMessage r;
  if (d.size() < 4) return r;  // too_short
  const uint8_t t = d[0];
  if (t < 1 || t > 4) {
    r.status = ParseStatus::unknown_type;
    return r;
  }
  r.type = static_cast<MessageType>(t);
  if (d[1] != 0 || d[2] != 0 || d[3] != 0) {
    r.status = ParseStatus::bad_reserved;
    return r;
  }
  bool length_ok = false;
  switch (r.type) {
    case MessageType::initiation:
      length_ok = d.size() == kInitiationLen;
      break;
    case MessageType::response:
      length_ok = d.size() == kResponseLen;
      break;
    case MessageType::cookie_reply:
      length_ok = d.size() == kCookieReplyLen;
      break;
    case MessageType::transport:
      length_ok = d.size() >= kTransportMinLen && d.size() <= kMaxDatagramLen;
      break;
  }
  r.status = length_ok ? ParseStatus::ok : ParseStatus::bad_length;
  return r;
}

}  // namespace trellis::wg
