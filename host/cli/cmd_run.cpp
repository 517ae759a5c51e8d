// SPDX-License-Identifier: Apache-2.0
// `trellis run -c FILE` and `trellis check -c FILE`. Both assemble the runtime
// from the file (config validation, role factories, plugin resolution); check
// stops there and prints "FILE: ok", run starts the roles and the loop.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "core/config_reader.hpp"
#include "core/runtime.hpp"

namespace trellis::cli {
namespace {

struct Options {
  std::string config;
};

// Errors that already name the file ("FILE:L:C: ...") print as they are;
// others get the file in front.
void print_error(const std::string &file, const std::exception &e) {
  if (dynamic_cast<const core::ConfigError *>(&e) != nullptr)
    std::fprintf(stderr, "%s\n", e.what());
  else
    std::fprintf(stderr, "%s: %s\n", file.c_str(), e.what());
}

core::RuntimeOptions runtime_options(const Options &o, bool check_only) {
  core::RuntimeOptions r;
  r.config_path = o.config;
  r.builtin_plugin_dirs = builtin_plugin_dirs();
  r.check_only = check_only;
  return r;
}

}  // namespace

Runner setup_run(CLI::App &app) {
  auto o = std::make_shared<Options>();
  app.add_option("-c,--config", o->config, "Config file (YAML)")->required();
  return [o] {
    core::Runtime runtime(runtime_options(*o, false));
    try {
      runtime.assemble();
    } catch (const std::exception &e) {
      print_error(o->config, e);
      return 1;
    }
    return runtime.run();
  };
}

Runner setup_check(CLI::App &app) {
  auto o = std::make_shared<Options>();
  app.add_option("-c,--config", o->config, "Config file (YAML)")->required();
  return [o] {
    try {
      core::Runtime runtime(runtime_options(*o, true));
      runtime.assemble();
    } catch (const std::exception &e) {
      print_error(o->config, e);
      return 1;
    }
    std::printf("%s: ok\n", o->config.c_str());
    return 0;
  };
}

}  // namespace trellis::cli
