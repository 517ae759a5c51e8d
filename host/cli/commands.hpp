// SPDX-License-Identifier: Apache-2.0
// The subcommand table of the trellis CLI, in the style of wireguard-tools'
// wg.c: one row per subcommand, {name, description, setup}. setup adds the
// subcommand's options to its CLI11 app and returns the function to run once
// the command line is parsed (it owns the option values). To add a subcommand
// (`up`, `down`, `status`, `login`...), write cmd_<name>.cpp with its setup
// function, declare it here and add a row to kCommands in commands.cpp.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace trellis::cli {

using Runner = std::function<int()>;
using SetupFn = Runner (*)(CLI::App &app);

struct Command {
  const char *name;
  const char *description;
  SetupFn setup;
};

extern const Command kCommands[];
extern const size_t kCommandCount;

Runner setup_run(CLI::App &app);
Runner setup_check(CLI::App &app);
Runner setup_plugins(CLI::App &app);
Runner setup_version(CLI::App &app);

// The plugin directories searched after the config's: the build tree's plugin
// output when this binary runs from the build tree, then the installed default.
std::vector<std::filesystem::path> builtin_plugin_dirs();

}  // namespace trellis::cli
