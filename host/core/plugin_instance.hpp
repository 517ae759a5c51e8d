// SPDX-License-Identifier: Apache-2.0
// PluginInstance: one created instance of a plugin, owning its trellis_host_ctx.
// Destruction is the teardown plugin.h promises: the context is closed (new
// posts and work refused, timers cancelled, queued callbacks dropped, running
// callbacks and pool work waited for), then the vtable's destroy is called, then
// the host frees the timers and metrics the plugin left. Nothing the plugin
// scheduled through this context runs after destroy.
//
// Destroy an instance on the thread its kind's destroy expects (loop; storage:
// pool), and never from inside one of its own callbacks (post the destruction).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <trellis/plugin.h>

#include "core/host_ctx.hpp"
#include "core/plugin_loader.hpp"

namespace trellis::core {

class PluginInstance {
 public:
  // Calls the plugin's create. Throws std::runtime_error on failure (after
  // logging the plugin's error text).
  static std::unique_ptr<PluginInstance> create(const HostServices &services,
                                                std::shared_ptr<const Plugin> plugin,
                                                const std::string &instance_name,
                                                const nlohmann::json &config,
                                                const InstanceOptions &options);
  ~PluginInstance();
  PluginInstance(const PluginInstance &) = delete;
  PluginInstance &operator=(const PluginInstance &) = delete;

  const Plugin &plugin() const { return *plugin_; }
  const std::string &name() const { return name_; }
  // The plugin's own instance pointer, first argument of its vtable calls.
  void *handle() const { return handle_; }
  HostCtx &ctx() { return *ctx_; }
  const std::string &state_dir() const { return state_dir_; }

  const trellis_tunnel_vtable &tunnel() const { return plugin_->tunnel(); }
  const trellis_transport_vtable &transport() const { return plugin_->transport(); }
  const trellis_auth_vtable &auth() const { return plugin_->auth(); }
  const trellis_storage_vtable &storage() const { return plugin_->storage(); }

  // [A-Za-z0-9_.-]{1,64}: instance names (they become path segments).
  static bool valid_name(const std::string &name);

 private:
  PluginInstance() = default;

  std::shared_ptr<const Plugin> plugin_;
  std::string name_;
  std::string state_dir_;
  std::shared_ptr<HostCtx> ctx_;
  void *handle_ = nullptr;
};

}  // namespace trellis::core
