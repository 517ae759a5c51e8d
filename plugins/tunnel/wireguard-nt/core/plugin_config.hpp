// SPDX-License-Identifier: Apache-2.0
// The plugin's configuration: its YAML subtree, which the host hands over as
// JSON. The Windows build has no JSON library (it depends only on the SDK and
// Windows), so this file carries a strict parser for the one shape accepted: a
// flat object of strings, booleans, integers and nulls (null = key absent).
// Unknown keys, duplicates and wrong types are TRELLIS_E_INVALID with a
// message naming the key, like the host's own config reader.
//
//   adapter_pool: "Trellis"     # WireGuardCreateAdapter's TunnelType (pool)
//   dll_path: "C:\\...\\wireguard.dll"  # default: beside the plugin, the
//                               # application directory, then System32
//   guid: "{...}"               # adapter GUID; default derived from the names
//   driver_log: false           # forward the driver's log to the host log
//   poll_interval_ms: 1000      # statistics poll for events; 0 = no events
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/guid.hpp"

namespace trellis::wgnt {

struct PluginConfig {
  std::string adapter_pool = "Trellis";
  std::optional<std::string> dll_path;
  std::optional<Guid> guid;
  bool driver_log = false;
  uint32_t poll_interval_ms = 1000;
};

inline constexpr uint32_t kMaxPollIntervalMs = 3600 * 1000;

PluginConfig parse_plugin_config(std::string_view json);

}  // namespace trellis::wgnt
