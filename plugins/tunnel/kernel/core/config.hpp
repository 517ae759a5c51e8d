// SPDX-License-Identifier: Apache-2.0
// The kernel tunnel's configuration: the plugin's YAML subtree, crossing the
// ABI as JSON. Unknown keys are refused so a misspelt option is an error, not
// a silently ignored setting. See README.md for the YAML form.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace trellis::tunnel_kernel {

struct Config {
  // Bytes per WG_CMD_SET_DEVICE request; larger peer sets are split.
  uint32_t message_size = 4096;
  // How often the device is sampled for events (0: only on get_stats).
  uint32_t poll_interval_ms = 1000;
  // Where set_routes puts routes, and the protocol tag that marks them ours.
  uint32_t route_table = 254;  // main
  uint8_t route_protocol = 4;  // static
  uint32_t route_metric = 0;
};

// text NULL or empty reads as {}. On error, out is unchanged and the message
// names the key ("message_size must be an integer between 512 and 65536").
Status parse_config(const char *text, Config &out);

}  // namespace trellis::tunnel_kernel
