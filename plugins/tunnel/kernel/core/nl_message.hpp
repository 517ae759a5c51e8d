// SPDX-License-Identifier: Apache-2.0
// Netlink framing shared by the rtnetlink and generic netlink codecs, on top of
// libmnl's buffer functions (no sockets here):
//   - MessageWriter builds one request in a buffer of fixed capacity; every put
//     reports whether it fitted, so a codec can split a large request across
//     several messages exactly at the capacity.
//   - AttrTable indexes the attributes of one level by type after libmnl has
//     checked each length against the enclosing buffer.
//   - split_datagram cuts one received datagram into messages; classify says
//     whether a message is data, an ack, an error (with the kernel's extended
//     ack text) or the end of a dump.
// Requests leave nlmsg_seq and nlmsg_pid zero; io/ stamps them when sending.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "core/bytes.hpp"
#include "core/status.hpp"

namespace trellis::tunnel_kernel {

class MessageWriter {
 public:
  // capacity bounds the finished message (nlmsg_len <= capacity).
  MessageWriter(size_t capacity, uint16_t type, uint16_t flags);

  // A fixed header after nlmsghdr (genlmsghdr, ifinfomsg, ...), zeroed. The
  // capacity must hold it (constructor-time sizes, so this never fails).
  template <typename T>
  T *put_header() {
    return static_cast<T *>(mnl_nlmsg_put_extra_header(nlh_, sizeof(T)));
  }

  bool put(uint16_t type, const void *data, size_t len) {
    return mnl_attr_put_check(nlh_, capacity_, type, len, data);
  }
  bool put_u8(uint16_t type, uint8_t v) { return mnl_attr_put_u8_check(nlh_, capacity_, type, v); }
  bool put_u16(uint16_t type, uint16_t v) {
    return mnl_attr_put_u16_check(nlh_, capacity_, type, v);
  }
  bool put_u32(uint16_t type, uint32_t v) {
    return mnl_attr_put_u32_check(nlh_, capacity_, type, v);
  }
  bool put_strz(uint16_t type, const std::string &s) {
    return mnl_attr_put_strz_check(nlh_, capacity_, type, s.c_str());
  }
  // NULL when the nest header does not fit. Sets NLA_F_NESTED.
  nlattr *nest_start(uint16_t type) { return mnl_attr_nest_start_check(nlh_, capacity_, type); }
  void nest_end(nlattr *nest) { mnl_attr_nest_end(nlh_, nest); }
  // Drops the nest and everything put inside it.
  void nest_cancel(nlattr *nest) { mnl_attr_nest_cancel(nlh_, nest); }

  size_t size() const { return nlh_->nlmsg_len; }
  size_t capacity() const { return capacity_; }
  // The finished message, trimmed to nlmsg_len. The writer is spent.
  SecureBytes finish();

 private:
  SecureBytes buf_;
  size_t capacity_;
  nlmsghdr *nlh_;
};

// Calls fn(attr) -> Status for every attribute of payload in order, stopping
// at the first error. Bytes left over that cannot hold an attribute (other
// than the last one's padding) are an error, as is an attribute running past
// the end.
template <typename F>
Status for_each_attr(const void *payload, size_t len, F &&fn) {
  const auto *p = static_cast<const uint8_t *>(payload);
  size_t off = 0;
  while (off < len && len - off >= sizeof(nlattr)) {
    const auto *attr = reinterpret_cast<const nlattr *>(p + off);
    if (!mnl_attr_ok(attr, static_cast<int>(len - off))) {
      return Status::malformed("attribute runs past its enclosing message or nest");
    }
    if (Status s = fn(attr); !s) return s;
    off += MNL_ALIGN(attr->nla_len);
  }
  if (off < len && len - off >= NLA_ALIGNTO) return Status::malformed("stray bytes after attributes");
  return Status::ok();
}

template <typename F>
Status for_each_nested(const nlattr *nest, F &&fn) {
  return for_each_attr(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
                       std::forward<F>(fn));
}

// The attributes of one nesting level, indexed by type (flags masked off);
// a repeated type keeps the last one. N is the highest type of interest;
// higher types are skipped, as the kernel's own parsers do.
template <uint16_t N>
class AttrTable {
 public:
  // payload: the bytes after the fixed headers.
  Status parse(const void *payload, size_t len) {
    table_.fill(nullptr);
    return for_each_attr(payload, len, [this](const nlattr *attr) {
      const uint16_t type = mnl_attr_get_type(attr);
      if (type <= N) table_[type] = attr;
      return Status::ok();
    });
  }
  Status parse_nested(const nlattr *nest) {
    return parse(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest));
  }
  const nlattr *operator[](uint16_t type) const { return type <= N ? table_[type] : nullptr; }

 private:
  std::array<const nlattr *, N + 1> table_{};
};

// Payload length checks for attributes of fixed size. `what` names the
// attribute in the error.
Status want_len(const nlattr *attr, size_t len, const char *what);
Status want_min_len(const nlattr *attr, size_t len, const char *what);

// Cuts a received datagram into its messages, checking every nlmsg_len.
Status split_datagram(std::span<const uint8_t> datagram, std::vector<std::span<const uint8_t>> &out);

struct Reply {
  enum class Kind { kData, kAck, kError, kDone };
  Kind kind = Kind::kData;
  int error = 0;          // negative errno for kError (and a failed kDone)
  std::string ext_ack;    // NLMSGERR_ATTR_MSG, when the kernel sent one
  uint32_t seq = 0;
  uint32_t portid = 0;
  uint16_t type = 0;
  uint16_t flags = 0;
};

// What one message of a datagram is. NLMSG_DONE carrying a negative int
// (a dump that failed midway) reads as kError.
Status classify(std::span<const uint8_t> message, Reply &out);

// The payload after nlmsghdr and a fixed header of hdr_len bytes, or an
// error when the message is too short to hold it.
Status payload_after(std::span<const uint8_t> message, size_t hdr_len,
                     std::span<const uint8_t> &payload);

}  // namespace trellis::tunnel_kernel
