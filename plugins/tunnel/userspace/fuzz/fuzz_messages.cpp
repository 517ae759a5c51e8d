// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the datagram parser, the message decoders it gates, and
// the inner IP header parser. ASan/UBSan catch any read outside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "core/ip_packet.hpp"
#include "core/messages.hpp"

using namespace trellis::wg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::span<const uint8_t> d(data, size);
  const ParsedMessage m = parse_message(d);
  if (m.status == ParseStatus::ok) {
    switch (m.type) {
      case MessageType::initiation: {
        const auto msg = decode_message<MessageInitiation>(d);
        if (msg.type != 1 || size != kInitiationLen) std::abort();
        break;
      }
      case MessageType::response: {
        const auto msg = decode_message<MessageResponse>(d);
        if (msg.type != 2 || size != kResponseLen) std::abort();
        break;
      }
      case MessageType::cookie_reply: {
        const auto msg = decode_message<MessageCookieReply>(d);
        if (msg.type != 3 || size != kCookieReplyLen) std::abort();
        break;
      }
      case MessageType::transport: {
        if (size < kTransportMinLen) std::abort();
        const auto h = decode_transport_header(d);
        (void)h;
        break;
      }
    }
  }
  if (const auto ip = parse_ip_header(d)) {
    if (ip->total_len > size || ip->src < data || ip->dst + (ip->version == 4 ? 4 : 16) > data + size) std::abort();
  }
  return 0;
}
