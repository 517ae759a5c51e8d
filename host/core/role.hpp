// SPDX-License-Identifier: Apache-2.0
// Role: one part of the system that `trellis run` assembles from the config
// (agent, management, signal, tunnel). A role parses its own YAML section with a
// ConfigReader in its factory (errors are ConfigErrors), gets the loop, the
// blocking pool, the plugin loader, metrics and a logger through RoleContext,
// and is started and stopped on the loop thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/logger.h>

#include "config_reader.hpp"

namespace trellis::core {

class PluginLoader;
class Metrics;

struct RoleContext {
  boost::asio::io_context &io;          // the one event loop
  boost::asio::thread_pool &pool;       // blocking work (storage, disk)
  PluginLoader &plugins;                // load plugins by name/path, create instances
  Metrics &metrics;                     // Prometheus registry
  std::shared_ptr<spdlog::logger> log;  // tagged with the role name
  std::string state_dir;                // the config's state_dir (created, 0700)
  std::string config_file;              // path of the YAML file
  // `trellis check`: the factory parses its section and resolves (loads) the
  // plugins it names, but the role is never started; open nothing, bind nothing.
  bool check_only = false;
};

class Role {
 public:
  virtual ~Role() = default;
  // Loop thread. Throws std::exception with a clear message on failure.
  virtual void start() = 0;
  // Loop thread. Graceful: close listeners, finish or cancel work, then call
  // `done` (possibly later, from the loop).
  virtual void stop(std::function<void()> done) = 0;
  // SIGHUP with the role's new section; return false if reload is unsupported.
  virtual bool reload(ConfigReader & /*section*/) { return false; }
};

using RoleFactory = std::function<std::unique_ptr<Role>(RoleContext &, ConfigReader &section)>;

// Registered roles by name. A role registers itself from its own .cpp with
//   static const bool registered = trellis::core::register_role("signal", make_signal_role);
// (the host links role libraries with WHOLE_ARCHIVE so registration runs).
bool register_role(const std::string &name, RoleFactory factory);
const std::map<std::string, RoleFactory> &registered_roles();

}  // namespace trellis::core
