// SPDX-License-Identifier: Apache-2.0
// A deliberately small host for driving one tunnel plugin in tests: dlopen
// (RTLD_NOW | RTLD_LOCAL), the v1 entry symbol, and a host API with only
// alloc, free, log, now_ns and post (a queue the test drains); timers, work,
// metrics and key/value return "unsupported". Not the real plugin loader
// (host/core has that); just enough to exercise the vtable for real.
#pragma once

#include <trellis/plugin.h>

#include <functional>
#include <string>
#include <vector>

namespace trellis::vmtest {

class DriverHost {
 public:
  // Loads the plugin and checks it is a tunnel of ABI major 1. Throws
  // std::runtime_error with the reason.
  explicit DriverHost(const std::string &plugin_path);
  ~DriverHost();
  DriverHost(const DriverHost &) = delete;
  DriverHost &operator=(const DriverHost &) = delete;

  const trellis_plugin_descriptor &descriptor() const { return *descriptor_; }
  const trellis_tunnel_vtable &tunnel() const { return *tunnel_; }

  // A context for one instance; log lines carry its name.
  trellis_host_ctx *new_context(const std::string &name);

  // Runs everything the plugin posted, in order. Returns how many ran.
  size_t run_posted();

  // Frees error text the plugin allocated through the host's alloc.
  static std::string take_error(char *error);

 private:
  void *library_ = nullptr;
  const trellis_plugin_descriptor *descriptor_ = nullptr;
  const trellis_tunnel_vtable *tunnel_ = nullptr;
  std::vector<trellis_host_ctx *> contexts_;
};

}  // namespace trellis::vmtest
