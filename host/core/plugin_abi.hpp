// SPDX-License-Identifier: Apache-2.0
// Checking what a plugin's entry returned, without I/O: the descriptor's size
// and ABI version, its kind, name and version strings, and the kind's vtable —
// large enough for, and non-NULL in, every member the host requires. The vtable
// is copied with the min(struct_size, sizeof) rule into a zeroed struct, so
// optional members an older plugin does not have read as NULL.
//
// Required members per kind (anything else is optional and may be NULL):
//   tunnel:    create destroy up set_interface down set_peer remove_peer get_stats
//              (set_peer_path / set_firewall / set_routes when the matching
//              TRELLIS_TUNNEL_CAP_* bit is set)
//   transport: create destroy session_new session_start session_consume_signal
//              session_restart session_free
//   auth:      create destroy, and authenticate (with credential_type and cancel)
//              or obtain_credential (with cancel)
//   storage:   create destroy begin commit rollback get put remove scan
//              append_event page_events
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <trellis/plugin.h>

namespace trellis::core {

using PluginVtable = std::variant<std::monostate, trellis_tunnel_vtable, trellis_transport_vtable,
                                  trellis_auth_vtable, trellis_storage_vtable>;

struct DescriptorVerdict {
  bool ok = false;
  std::string reason;      // why it was refused (when !ok)
  bool abi_known = false;  // abi_major/minor could be read
  uint16_t abi_major = 0;
  uint16_t abi_minor = 0;
  trellis_plugin_kind kind{};
  std::string name;
  std::string version;
  std::string description;
  PluginVtable vtable;     // the zero-extended copy (when ok)
};

DescriptorVerdict check_descriptor(const trellis_plugin_descriptor *d);

// "tunnel", "transport", "auth", "storage"; "unknown" otherwise.
const char *kind_name(trellis_plugin_kind kind);
std::optional<trellis_plugin_kind> parse_kind(std::string_view name);
// "TRELLIS_E_INVALID" etc.
const char *status_name(trellis_status status);
// [a-z0-9-]{1,64}: plugin names.
bool valid_plugin_name(std::string_view name);

// "built for ABI 1.2", "built for ABI 2" (major only), "ABI unknown".
std::string plugin_abi_text(bool known, uint16_t major, std::optional<uint16_t> minor);
// The host's: "1.0".
std::string host_abi_text();
// The one line every refusal is reported with:
// "plugin PATH: built for ABI 2, host is ABI 1.0: refused: REASON".
std::string refusal_line(const std::string &path, const std::string &plugin_abi,
                         const std::string &reason);

}  // namespace trellis::core
