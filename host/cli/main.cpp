// SPDX-License-Identifier: Apache-2.0
// trellis: the one executable. Builds the CLI from the subcommand table
// (commands.cpp), parses the command line and runs the chosen subcommand.
// Exit status: the subcommand's (0 ok, 1 error), or CLI11's for usage errors.
#include <cstdio>
#include <exception>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char **argv) {
  CLI::App app{"trellis: private WireGuard mesh networks", "trellis"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App *, trellis::cli::Runner>> subs;
  for (size_t i = 0; i < trellis::cli::kCommandCount; ++i) {
    const auto &cmd = trellis::cli::kCommands[i];
    CLI::App *sub = app.add_subcommand(cmd.name, cmd.description);
    subs.emplace_back(sub, cmd.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  for (auto &[sub, run] : subs) {
    if (sub->parsed()) {
      try {
        return run();
      } catch (const std::exception &e) {
        std::fprintf(stderr, "trellis %s: %s\n", sub->get_name().c_str(), e.what());
        return 1;
      }
    }
  }
  return 1;
}
