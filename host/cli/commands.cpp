// SPDX-License-Identifier: Apache-2.0
// The subcommand table (see commands.hpp).
#include "commands.hpp"

namespace trellis::cli {

const Command kCommands[] = {
    {"run", "Run the roles configured in a YAML file", setup_run},
    {"check", "Validate a config file and resolve the plugins it names", setup_check},
    {"plugins", "List the plugins found in the plugin directories", setup_plugins},
    {"version", "Print the trellis and plugin ABI versions", setup_version},
};
const size_t kCommandCount = sizeof kCommands / sizeof kCommands[0];

}  // namespace trellis::cli
