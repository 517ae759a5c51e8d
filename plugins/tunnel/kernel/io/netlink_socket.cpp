// SPDX-License-Identifier: Apache-2.0
// Netlink socket exchange: send one request, read until its ack, error or
// NLMSG_DONE, within bounded time.
#include "io/netlink_socket.hpp"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <chrono>
#include <cstring>

#include <sodium/utils.h>
#include <trellis/plugin.hpp>

#include "core/nl_message.hpp"

namespace trellis::tunnel_kernel {
namespace {

constexpr size_t kReceiveBuffer = 32768;  // the kernel sizes dump chunks to the reader
constexpr int kReceiveTimeoutS = 5;
constexpr auto kExchangeDeadline = std::chrono::seconds(20);
constexpr size_t kMaxDatagrams = 1u << 20;

}  // namespace

std::string NetlinkResult::describe() const {
  if (error == -EBADMSG && !ext_ack.empty()) return "malformed answer from the kernel: " + ext_ack;
  std::string s = std::strerror(-error);
  if (!ext_ack.empty()) s += " (kernel: " + ext_ack + ")";
  return s;
}

trellis_status status_from_errno(int negative_errno) {
  switch (-negative_errno) {
    case 0:
      return TRELLIS_OK;
    case ENOENT:
    case ENODEV:
    case ESRCH:
    case EADDRNOTAVAIL:
      return TRELLIS_E_NOT_FOUND;
    case EEXIST:
      return TRELLIS_E_EXISTS;
    case EPERM:
    case EACCES:
      return TRELLIS_E_DENIED;
    case EOPNOTSUPP:
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
      return TRELLIS_E_UNSUPPORTED;
    case EINVAL:
    case ERANGE:
    case EMSGSIZE:
      return TRELLIS_E_INVALID;
    case ENOMEM:
    case ENOBUFS:
      return TRELLIS_E_NOMEM;
    case EAGAIN:
    case ETIMEDOUT:
      return TRELLIS_E_TIMEOUT;
    case EBUSY:
      return TRELLIS_E_UNAVAILABLE;
    default:
      return TRELLIS_E_IO;
  }
}

NetlinkSocket::NetlinkSocket(int bus) : rx_(kReceiveBuffer) {
  sock_ = mnl_socket_open2(bus, SOCK_CLOEXEC);
  if (sock_ == nullptr) {
    throw sdk::Error(TRELLIS_E_IO, std::string("netlink socket: ") + std::strerror(errno));
  }
  int one = 1;
  timeval tv{kReceiveTimeoutS, 0};
  if (mnl_socket_bind(sock_, 0, MNL_SOCKET_AUTOPID) < 0 ||
      setsockopt(mnl_socket_get_fd(sock_), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
    const int err = errno;
    mnl_socket_close(sock_);
    throw sdk::Error(TRELLIS_E_IO, std::string("netlink socket setup: ") + std::strerror(err));
  }
  // Best effort: older kernels lack them and still work.
  mnl_socket_setsockopt(sock_, NETLINK_EXT_ACK, &one, sizeof(one));
  mnl_socket_setsockopt(sock_, NETLINK_CAP_ACK, &one, sizeof(one));
  portid_ = mnl_socket_get_portid(sock_);
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  seq_ = static_cast<uint32_t>(ts.tv_nsec);
}

NetlinkSocket::~NetlinkSocket() {
  sodium_memzero(rx_.data(), rx_.size());
  if (sock_ != nullptr) mnl_socket_close(sock_);
}

NetlinkResult NetlinkSocket::exchange(SecureBytes &message, const DataFn &on_data) {
  auto *nlh = reinterpret_cast<nlmsghdr *>(message.data());
  const uint32_t seq = ++seq_;
  nlh->nlmsg_seq = seq;
  nlh->nlmsg_pid = 0;
  const bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
  const bool acked = (nlh->nlmsg_flags & NLM_F_ACK) != 0;
  ssize_t sent;
  do {
    sent = mnl_socket_sendto(sock_, message.data(), message.size());
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return NetlinkResult{-errno, {}};
  NetlinkResult r = receive(seq, dump, acked, on_data);
  sodium_memzero(rx_.data(), rx_.size());
  return r;
}

NetlinkResult NetlinkSocket::receive(uint32_t seq, bool dump, bool acked, const DataFn &on_data) {
  const auto deadline = std::chrono::steady_clock::now() + kExchangeDeadline;
  NetlinkResult decode_error;
  std::vector<std::span<const uint8_t>> messages;
  for (size_t n = 0; n < kMaxDatagrams; ++n) {
    if (std::chrono::steady_clock::now() > deadline) return NetlinkResult{-ETIMEDOUT, {}};
    const ssize_t got = mnl_socket_recvfrom(sock_, rx_.data(), rx_.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return NetlinkResult{errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno, {}};
    }
    messages.clear();
    if (Status s = split_datagram({rx_.data(), static_cast<size_t>(got)}, messages); !s) {
      return NetlinkResult{-EBADMSG, s.message()};
    }
    for (std::span<const uint8_t> m : messages) {
      Reply reply;
      if (Status s = classify(m, reply); !s) return NetlinkResult{-EBADMSG, s.message()};
      if (reply.seq != seq || reply.portid != portid_) continue;  // an answer to something else
      switch (reply.kind) {
        case Reply::Kind::kError:
          return NetlinkResult{reply.error, reply.ext_ack};
        case Reply::Kind::kAck:
          if (!dump) return decode_error;
          break;  // a dump ends at NLMSG_DONE
        case Reply::Kind::kDone:
          if (dump) return decode_error;
          break;
        case Reply::Kind::kData:
          if (on_data && decode_error.ok()) {
            if (Status s = on_data(m); !s) decode_error = NetlinkResult{-EBADMSG, s.message()};
          }
          if (!dump && !acked) return decode_error;
          break;
      }
    }
  }
  return NetlinkResult{-ETIMEDOUT, "too many answers"};
}

}  // namespace trellis::tunnel_kernel
