// SPDX-License-Identifier: Apache-2.0
// One netlink socket (NETLINK_ROUTE or NETLINK_GENERIC) and the request/answer
// exchange on it. A socket belongs to the network namespace its opener was in,
// so an instance keeps talking to the namespace it was created in whatever the
// thread does later. Each exchange stamps a fresh sequence number, skips
// answers to anything else, and ends at the ack, the error, or NLMSG_DONE for a
// dump; it is bounded by a receive timeout and a total deadline. Receive
// buffers are wiped after each exchange (GET_DEVICE answers carry the private
// key). Not thread-safe: the plugin uses it from the loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <trellis/plugin.h>

#include "core/bytes.hpp"
#include "core/status.hpp"

struct mnl_socket;

namespace trellis::tunnel_kernel {

// The outcome of one exchange: 0, or the kernel's (or the socket's) negative
// errno with the kernel's extended-ack text when it gave one.
struct NetlinkResult {
  int error = 0;
  std::string ext_ack;
  bool ok() const { return error == 0; }
  // "No such device" or "Invalid argument (kernel: Unknown device type)".
  std::string describe() const;
};

// -ENOENT -> TRELLIS_E_NOT_FOUND, -EPERM -> TRELLIS_E_DENIED, ...
trellis_status status_from_errno(int negative_errno);

class NetlinkSocket {
 public:
  // bus: NETLINK_ROUTE or NETLINK_GENERIC. Throws sdk::Error(TRELLIS_E_IO).
  explicit NetlinkSocket(int bus);
  ~NetlinkSocket();
  NetlinkSocket(const NetlinkSocket &) = delete;
  NetlinkSocket &operator=(const NetlinkSocket &) = delete;

  using DataFn = std::function<Status(std::span<const uint8_t> message)>;

  // Sends message (stamping seq) and reads the answers: on_data sees every
  // data message (may be empty for plain requests). A malformed answer or an
  // error from on_data ends the exchange with -EBADMSG and the decoder's text.
  NetlinkResult exchange(SecureBytes &message, const DataFn &on_data = {});

 private:
  NetlinkResult receive(uint32_t seq, bool dump, bool acked, const DataFn &on_data);

  mnl_socket *sock_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 0;
  std::vector<uint8_t> rx_;
};

}  // namespace trellis::tunnel_kernel
