// SPDX-License-Identifier: Apache-2.0
// builtin_plugin_dirs (see commands.hpp). A binary in the build tree's bin/
// also searches the build tree's plugin output, so `build/x/bin/trellis` finds
// `build/x/plugins-out/*.so` without installing; an installed binary does not.
#include <system_error>

#include "commands.hpp"

namespace trellis::cli {

std::vector<std::filesystem::path> builtin_plugin_dirs() {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && std::filesystem::equivalent(exe.parent_path(), TRELLIS_BUILD_BIN_DIR, ec) && !ec)
    dirs.emplace_back(TRELLIS_BUILD_PLUGIN_DIR);
  dirs.emplace_back(TRELLIS_DEFAULT_PLUGIN_DIR);
  return dirs;
}

}  // namespace trellis::cli
