// SPDX-License-Identifier: Apache-2.0
// The generic netlink controller ("nlctrl", GENL_ID_CTRL): CTRL_CMD_GETFAMILY
// turns a family name into the dynamic id its messages are sent with. The
// kernel answers -ENOENT for a family it does not have, which for "wireguard"
// means the kernel has no WireGuard.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/bytes.hpp"
#include "core/status.hpp"

namespace trellis::tunnel_kernel {

struct FamilyInfo {
  uint16_t id = 0;
  uint32_t version = 0;
  uint32_t max_attr = 0;
  std::string name;
};

// A CTRL_CMD_GETFAMILY request for name (shorter than GENL_NAMSIZ).
Status encode_get_family(const std::string &name, SecureBytes &out);

// The controller's CTRL_CMD_NEWFAMILY answer. Requires the id and the name.
Status decode_family(std::span<const uint8_t> message, FamilyInfo &out);

}  // namespace trellis::tunnel_kernel
