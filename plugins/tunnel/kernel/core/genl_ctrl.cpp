// SPDX-License-Identifier: Apache-2.0
// CTRL_CMD_GETFAMILY request and CTRL_CMD_NEWFAMILY answer.
#include "core/genl_ctrl.hpp"

#include <linux/genetlink.h>

#include <cstring>

#include "core/nl_message.hpp"

namespace trellis::tunnel_kernel {

Status encode_get_family(const std::string &name, SecureBytes &out) {
  if (name.empty() || name.size() >= GENL_NAMSIZ || name.find('\0') != std::string::npos) {
    return Status::invalid("bad generic netlink family name \"" + name + "\"");
  }
  MessageWriter w(MNL_NLMSG_HDRLEN + GENL_HDRLEN + MNL_ATTR_HDRLEN + MNL_ALIGN(GENL_NAMSIZ),
                  GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK);
  auto *g = w.put_header<genlmsghdr>();
  g->cmd = CTRL_CMD_GETFAMILY;
  g->version = 1;
  w.put_strz(CTRL_ATTR_FAMILY_NAME, name);
  out = w.finish();
  return Status::ok();
}

Status decode_family(std::span<const uint8_t> message, FamilyInfo &out) {
  std::span<const uint8_t> payload;
  if (Status s = payload_after(message, GENL_HDRLEN, payload); !s) return s;
  genlmsghdr g;
  std::memcpy(&g, message.data() + MNL_NLMSG_HDRLEN, sizeof(g));
  if (g.cmd != CTRL_CMD_NEWFAMILY) {
    return Status::malformed("controller answered with command " + std::to_string(g.cmd));
  }
  AttrTable<CTRL_ATTR_MAXATTR> a;
  if (Status s = a.parse(payload.data(), payload.size()); !s) return s;
  const nlattr *id = a[CTRL_ATTR_FAMILY_ID];
  const nlattr *name = a[CTRL_ATTR_FAMILY_NAME];
  if (id == nullptr || name == nullptr) return Status::malformed("family answer without id or name");
  if (Status s = want_len(id, 2, "CTRL_ATTR_FAMILY_ID"); !s) return s;
  FamilyInfo info;
  info.id = mnl_attr_get_u16(id);
  const char *text = static_cast<const char *>(mnl_attr_get_payload(name));
  info.name.assign(text, strnlen(text, mnl_attr_get_payload_len(name)));
  if (const nlattr *v = a[CTRL_ATTR_VERSION]) {
    if (Status s = want_len(v, 4, "CTRL_ATTR_VERSION"); !s) return s;
    info.version = mnl_attr_get_u32(v);
  }
  if (const nlattr *m = a[CTRL_ATTR_MAXATTR]) {
    if (Status s = want_len(m, 4, "CTRL_ATTR_MAXATTR"); !s) return s;
    info.max_attr = mnl_attr_get_u32(m);
  }
  out = std::move(info);
  return Status::ok();
}

}  // namespace trellis::tunnel_kernel
