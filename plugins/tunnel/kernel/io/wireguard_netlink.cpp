// SPDX-License-Identifier: Apache-2.0
// WireGuard generic netlink on a live kernel: family resolution, SET_DEVICE,
// GET_DEVICE.
#include "io/wireguard_netlink.hpp"

#include <errno.h>
#include <linux/netlink.h>

#include <vector>

#include <trellis/plugin.hpp>

#include "core/genl_ctrl.hpp"
#include "core/wg_genl.hpp"

namespace trellis::tunnel_kernel {
namespace {

[[noreturn]] void fail(const std::string &what, const NetlinkResult &r) {
  throw sdk::Error(status_from_errno(r.error), what + ": " + r.describe());
}

}  // namespace

WireguardNetlink::WireguardNetlink() : sock_(NETLINK_GENERIC) {
  SecureBytes request;
  if (Status s = encode_get_family(kWireguardFamilyName, request); !s) {
    throw sdk::Error(TRELLIS_E_INTERNAL, s.message());
  }
  FamilyInfo info;
  const NetlinkResult r = sock_.exchange(request, [&info](std::span<const uint8_t> m) {
    return decode_family(m, info);
  });
  if (r.error == -ENOENT) {
    throw sdk::Error(TRELLIS_E_UNSUPPORTED,
                     "generic netlink family \"wireguard\" not found: kernel has no WireGuard "
                     "(modprobe wireguard)");
  }
  if (!r.ok()) fail("resolving generic netlink family \"wireguard\"", r);
  if (info.id == 0 || info.name != kWireguardFamilyName) {
    throw sdk::Error(TRELLIS_E_IO, "generic netlink controller gave no id for \"wireguard\"");
  }
  family_id_ = info.id;
}

void WireguardNetlink::set_device(const Device &dev, size_t message_size, const std::string &what) {
  std::vector<SecureBytes> requests;
  if (Status s = encode_set_device(dev, family_id_, message_size, requests); !s) {
    throw sdk::Error(TRELLIS_E_INVALID, what + ": " + s.message());
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    const NetlinkResult r = sock_.exchange(requests[i]);
    if (!r.ok()) {
      fail(requests.size() == 1 ? what
                                : what + " (request " + std::to_string(i + 1) + " of " +
                                      std::to_string(requests.size()) + ")",
           r);
    }
  }
}

std::optional<Device> WireguardNetlink::get_device(const std::string &ifname) {
  Device query;
  query.has = Device::kIfname;
  query.ifname = ifname;
  SecureBytes request;
  if (Status s = encode_get_device(query, family_id_, request); !s) {
    throw sdk::Error(TRELLIS_E_INVALID, s.message());
  }
  DeviceDecoder decoder;
  const NetlinkResult r = sock_.exchange(request, [&decoder](std::span<const uint8_t> m) {
    return decoder.consume(m);
  });
  if (r.error == -ENODEV) return std::nullopt;
  if (!r.ok()) fail("reading WireGuard device " + ifname, r);
  return decoder.take();
}

}  // namespace trellis::tunnel_kernel
