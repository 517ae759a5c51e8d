// SPDX-License-Identifier: Apache-2.0
// `trellis plugins [--plugin-dir DIR ...] [-c FILE]`: loads every *.so of the
// plugin directories (--plugin-dir ones first, then the config's plugin_dirs,
// then the built-in ones) and prints a table of the accepted plugins on stdout;
// refused ones go to stderr, one line each with the reason. Exit 0 either way.
#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "core/config.hpp"
#include "core/logging.hpp"
#include "core/metrics.hpp"
#include "core/plugin_loader.hpp"

namespace trellis::cli {
namespace {

struct Options {
  std::vector<std::string> dirs;
  std::string config;
};

int run_plugins(const Options &o) {
  std::vector<std::filesystem::path> dirs(o.dirs.begin(), o.dirs.end());
  if (!o.config.empty()) {
    try {
      for (const auto &d : core::read_plugin_dirs(o.config)) dirs.emplace_back(d);
    } catch (const std::exception &e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 1;
    }
  }
  for (const auto &d : builtin_plugin_dirs()) dirs.push_back(d);
  core::logging::setup("warn", core::LogFormat::text);

  boost::asio::io_context io;
  boost::asio::thread_pool pool(1);
  core::Metrics metrics;
  core::PluginLoader loader(core::HostServices{io, pool, metrics, nullptr, ""}, dirs);
  core::PluginLoader::Discovery found = loader.discover();

  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"KIND", "NAME", "VERSION", "ABI", "PATH"});
  for (const auto &p : found.plugins) {
    rows.push_back({core::kind_name(p.kind), p.name, p.version,
                    fmt::format("{}.{}", p.abi_major, p.abi_minor), p.path});
  }
  std::array<size_t, 5> width{};
  for (const auto &r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto &r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
  std::fflush(stdout);
  if (found.plugins.empty()) {
    std::string where;
    for (const auto &d : dirs) where += (where.empty() ? "" : ", ") + d.string();
    std::fprintf(stderr, "no plugins found in: %s\n", where.c_str());
  }
  for (const auto &e : found.refused) std::fprintf(stderr, "%s\n", e.what());
  pool.join();
  return 0;
}

}  // namespace

Runner setup_plugins(CLI::App &app) {
  auto o = std::make_shared<Options>();
  app.add_option("--plugin-dir", o->dirs, "Also search DIR (repeatable; searched first)");
  app.add_option("-c,--config", o->config, "Also search the config file's plugin_dirs");
  return [o] { return run_plugins(*o); };
}

}  // namespace trellis::cli
