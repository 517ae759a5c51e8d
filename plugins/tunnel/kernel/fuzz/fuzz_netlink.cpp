// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: arbitrary bytes as a netlink datagram from the kernel,
// through every decoder the kernel tunnel runs on answers: datagram split,
// reply classification (extended ack), the WireGuard device decoder (fed
// each message in turn, as a dump), link, address and route decoders and the
// generic netlink family decoder. Nothing may crash, hang or read out of
// bounds; a message the decoder refuses must leave its state untouched.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/genl_ctrl.hpp"
#include "core/nl_message.hpp"
#include "core/rtnl.hpp"
#include "core/wg_genl.hpp"

using namespace trellis::tunnel_kernel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Netlink buffers are 4-byte aligned in real use; libFuzzer's may not be.
  std::vector<uint8_t> buf(data, data + size);
  std::vector<std::span<const uint8_t>> messages;
  if (!split_datagram(buf, messages)) return 0;
  DeviceDecoder device;
  for (std::span<const uint8_t> m : messages) {
    Reply reply;
    if (!classify(m, reply)) continue;
    const size_t peers_before = device.device().peers.size();
    const size_t count_before = device.messages();
    if (!device.consume(m) &&
        (device.device().peers.size() != peers_before || device.messages() != count_before)) {
      __builtin_trap();
    }
    LinkInfo link;
    (void)decode_link(m, link);
    AddressInfo address;
    (void)decode_address(m, address);
    Route route;
    (void)decode_route(m, route);
    FamilyInfo family;
    (void)decode_family(m, family);
  }
  // What decoded must encode again within bounds (or be refused cleanly).
  Device d = device.take();
  if ((d.has & (Device::kIfname | Device::kIfindex)) != 0) {
    std::vector<SecureBytes> out;
    if (encode_set_device(d, 0x20, 4096, out)) {
      for (const SecureBytes &m : out) {
        if (m.size() > 4096) __builtin_trap();
      }
    }
  }
  return 0;
}
