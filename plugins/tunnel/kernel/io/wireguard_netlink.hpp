// SPDX-License-Identifier: Apache-2.0
// The WireGuard generic netlink family on a live kernel: resolves "wireguard"
// through the controller (refusing clearly when the kernel has no WireGuard),
// sends split SET_DEVICE requests and reads GET_DEVICE dumps. Errors are thrown
// as sdk::Error, caught at the ABI barrier. Loop thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/device.hpp"
#include "io/netlink_socket.hpp"

namespace trellis::tunnel_kernel {

class WireguardNetlink {
 public:
  // Throws sdk::Error(TRELLIS_E_UNSUPPORTED, "generic netlink family
  // \"wireguard\" not found: kernel has no WireGuard (modprobe wireguard)")
  // when the family is missing.
  WireguardNetlink();

  uint16_t family_id() const { return family_id_; }

  // Applies dev (which names the device) in as many requests as
  // message_size requires. `what` prefixes error messages ("set peer").
  void set_device(const Device &dev, size_t message_size, const std::string &what);

  // The device with all its peers, or nullopt when it does not exist.
  std::optional<Device> get_device(const std::string &ifname);

 private:
  NetlinkSocket sock_;
  uint16_t family_id_ = 0;
};

}  // namespace trellis::tunnel_kernel
