// SPDX-License-Identifier: Apache-2.0
// `trellis version`: the trellis version and the plugin ABI this host speaks.
#include <cstdio>

#include <trellis/plugin.h>

#include "commands.hpp"

namespace trellis::cli {

Runner setup_version(CLI::App &) {
  return [] {
    std::printf("trellis %s (plugin ABI %d.%d)\n", TRELLIS_VERSION, TRELLIS_ABI_MAJOR,
                TRELLIS_ABI_MINOR);
    return 0;
  };
}

}  // namespace trellis::cli
