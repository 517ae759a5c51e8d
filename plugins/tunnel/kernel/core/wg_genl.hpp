// SPDX-License-Identifier: Apache-2.0
// The WireGuard generic netlink family ("wireguard", version 1): encoding of
// WG_CMD_SET_DEVICE and WG_CMD_GET_DEVICE requests and decoding of the device
// they describe or the kernel returns.
//
// One request is bounded by the socket buffer, so a device with many peers or
// a peer with many allowed IPs is split across several SET_DEVICE messages, the
// way the kernel itself splits GET_DEVICE dumps:
//   - the first message carries the device identity, the device settings
//     (private key, listen port, fwmark, flags) and as many peers as fit;
//   - later messages carry only the identity and WGDEVICE_A_PEERS;
//   - a peer cut in the middle of its allowed IPs is continued at the start
//     of the next message by a peer entry holding just WGPEER_A_PUBLIC_KEY and
//     the remaining WGPEER_A_ALLOWEDIPS. Its flags (REPLACE_ALLOWEDIPS) go only
//     in the first part, so a continuation adds to, rather than replaces, what
//     the first part set.
// DeviceDecoder undoes this: fed the messages of a dump (or of such a request
// sequence) in order, it merges a message's first peer into the previous
// message's last peer when their public keys match.
//
// Attributes go in the order wireguard-tools writes them, so a request can be
// compared byte for byte with one recorded from `wg set`.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.hpp"
#include "core/device.hpp"
#include "core/status.hpp"

namespace trellis::tunnel_kernel {

inline constexpr const char *kWireguardFamilyName = "wireguard";
inline constexpr uint8_t kWireguardGenlVersion = 1;

// Encodes dev as one or more SET_DEVICE requests, each at most capacity bytes.
// dev must name the device (Device::kIfindex or Device::kIfname). Fails with
// kInvalid, and appends nothing, when a prefix or endpoint is invalid or when
// capacity cannot hold the device settings or one peer's first part.
Status encode_set_device(const Device &dev, uint16_t family_id, size_t capacity,
                         std::vector<SecureBytes> &out);

// A GET_DEVICE dump request for the device named by dev's ifindex or ifname.
Status encode_get_device(const Device &dev, uint16_t family_id, SecureBytes &out);

class DeviceDecoder {
 public:
  // One message (nlmsghdr first) carrying WG_CMD_GET_DEVICE or
  // WG_CMD_SET_DEVICE. On error the decoder keeps what it had before.
  Status consume(std::span<const uint8_t> message);

  const Device &device() const { return dev_; }
  Device take() { return std::move(dev_); }
  size_t messages() const { return messages_; }

 private:
  Device dev_;
  size_t messages_ = 0;
};

}  // namespace trellis::tunnel_kernel
