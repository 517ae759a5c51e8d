// SPDX-License-Identifier: Apache-2.0
// Netlink framing: the writer, length checks, datagram splitting and reply
// classification (NLMSG_ERROR with extended ack, NLMSG_DONE).
#include "core/nl_message.hpp"

#include <linux/netlink.h>

#include <cstring>

namespace trellis::tunnel_kernel {

MessageWriter::MessageWriter(size_t capacity, uint16_t type, uint16_t flags)
    : buf_(capacity), capacity_(capacity) {
  nlh_ = mnl_nlmsg_put_header(buf_.data());
  nlh_->nlmsg_type = type;
  nlh_->nlmsg_flags = flags;
}

SecureBytes MessageWriter::finish() {
  buf_.truncate(nlh_->nlmsg_len);
  nlh_ = nullptr;
  return std::move(buf_);
}

Status want_len(const nlattr *attr, size_t len, const char *what) {
  const size_t got = mnl_attr_get_payload_len(attr);
  if (got == len) return Status::ok();
  return Status::malformed(std::string(what) + " is " + std::to_string(got) + " bytes, want " +
                           std::to_string(len));
}

Status want_min_len(const nlattr *attr, size_t len, const char *what) {
  const size_t got = mnl_attr_get_payload_len(attr);
  if (got >= len) return Status::ok();
  return Status::malformed(std::string(what) + " is " + std::to_string(got) +
                           " bytes, want at least " + std::to_string(len));
}

Status split_datagram(std::span<const uint8_t> datagram,
                      std::vector<std::span<const uint8_t>> &out) {
  size_t off = 0;
  while (off < datagram.size()) {
    const size_t left = datagram.size() - off;
    if (left < sizeof(nlmsghdr)) return Status::malformed("truncated netlink header");
    nlmsghdr hdr;
    std::memcpy(&hdr, datagram.data() + off, sizeof(hdr));
    if (hdr.nlmsg_len < sizeof(nlmsghdr) || hdr.nlmsg_len > left) {
      return Status::malformed("netlink message length " + std::to_string(hdr.nlmsg_len) +
                               " does not fit the " + std::to_string(left) + " bytes left");
    }
    out.push_back(datagram.subspan(off, hdr.nlmsg_len));
    off += MNL_ALIGN(hdr.nlmsg_len);
  }
  return Status::ok();
}

Status payload_after(std::span<const uint8_t> message, size_t hdr_len,
                     std::span<const uint8_t> &payload) {
  const size_t start = MNL_NLMSG_HDRLEN + MNL_ALIGN(hdr_len);
  if (message.size() < MNL_NLMSG_HDRLEN + hdr_len) {
    return Status::malformed("message too short for its " + std::to_string(hdr_len) +
                             "-byte header");
  }
  payload = start <= message.size() ? message.subspan(start) : std::span<const uint8_t>();
  return Status::ok();
}

// NLMSG_ERROR: struct nlmsgerr, then (with NLM_F_ACK_TLVS) attributes after
// the echoed request, which is only its header when NLM_F_CAPPED is set.
static Status parse_error(std::span<const uint8_t> message, uint16_t flags, Reply &out) {
  if (message.size() < MNL_NLMSG_HDRLEN + sizeof(nlmsgerr)) {
    return Status::malformed("NLMSG_ERROR too short");
  }
  nlmsgerr err;
  std::memcpy(&err, message.data() + MNL_NLMSG_HDRLEN, sizeof(err));
  out.error = err.error;
  out.kind = err.error == 0 ? Reply::Kind::kAck : Reply::Kind::kError;
  if ((flags & NLM_F_ACK_TLVS) == 0) return Status::ok();
  size_t echoed = sizeof(nlmsghdr);
  if ((flags & NLM_F_CAPPED) == 0) echoed = MNL_ALIGN(err.msg.nlmsg_len);
  const size_t tlv_start = MNL_NLMSG_HDRLEN + sizeof(err.error) + echoed;
  if (tlv_start >= message.size()) return Status::ok();
  AttrTable<NLMSGERR_ATTR_MAX> attrs;
  if (Status s = attrs.parse(message.data() + tlv_start, message.size() - tlv_start); !s) return s;
  if (const nlattr *msg = attrs[NLMSGERR_ATTR_MSG]) {
    const char *text = static_cast<const char *>(mnl_attr_get_payload(msg));
    out.ext_ack.assign(text, strnlen(text, mnl_attr_get_payload_len(msg)));
  }
  return Status::ok();
}

Status classify(std::span<const uint8_t> message, Reply &out) {
  out = Reply{};
  if (message.size() < sizeof(nlmsghdr)) return Status::malformed("truncated netlink header");
  nlmsghdr hdr;
  std::memcpy(&hdr, message.data(), sizeof(hdr));
  out.seq = hdr.nlmsg_seq;
  out.portid = hdr.nlmsg_pid;
  out.type = hdr.nlmsg_type;
  out.flags = hdr.nlmsg_flags;
  switch (hdr.nlmsg_type) {
    case NLMSG_ERROR:
      return parse_error(message, hdr.nlmsg_flags, out);
    case NLMSG_DONE: {
      out.kind = Reply::Kind::kDone;
      int32_t code = 0;
      if (message.size() >= MNL_NLMSG_HDRLEN + sizeof(code)) {
        std::memcpy(&code, message.data() + MNL_NLMSG_HDRLEN, sizeof(code));
      }
      if (code < 0) {
        out.kind = Reply::Kind::kError;
        out.error = code;
      }
      return Status::ok();
    }
    default:
      out.kind = Reply::Kind::kData;
      return Status::ok();
  }
}

}  // namespace trellis::tunnel_kernel
