// SPDX-License-Identifier: Apache-2.0
// PluginLoader: finds, loads and checks plugin libraries (Boost.DLL, rtld_now |
// rtld_local), and creates their instances. A plugin is named by path (anything
// with a '/' or ending in ".so") or by name, found as trellis-<kind>-<name>.so in
// the search directories, in order. Each library is loaded once; a second file
// declaring the same kind and name is refused as a duplicate.
//
// Every refusal is one PluginError whose message is the whole story in one line:
//   plugin /x/y.so: built for ABI 2, host is ABI 1.0: refused: <reason>
// (path, the plugin's ABI version when known, the host's, and the reason):
// missing entry symbol (naming the major it was built for when it exports
// trellis_plugin_entry_vN instead), dlopen failure (with dlerror's text), no
// descriptor, another major, a newer minor, a struct or vtable too small for
// what the host requires, a wrong kind, or a duplicate.
//
// Plugins are loaded one at a time on the loop thread before the loop runs,
// and are unloaded only when the loader and every instance of them are gone.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <trellis/plugin.h>

#include "core/host_ctx.hpp"
#include "core/plugin_abi.hpp"

namespace trellis::core {

class PluginError : public std::runtime_error {
 public:
  PluginError(std::string path, std::string plugin_abi, std::string reason);
  const std::string &path() const { return path_; }
  const std::string &plugin_abi() const { return plugin_abi_; }  // "ABI unknown", "built for ABI 2"
  const std::string &reason() const { return reason_; }

 private:
  std::string path_;
  std::string plugin_abi_;
  std::string reason_;
};

struct PluginInfo {
  std::string path;  // canonical
  trellis_plugin_kind kind{};
  std::string name;
  std::string version;
  std::string description;
  uint16_t abi_major = 0;
  uint16_t abi_minor = 0;
};

// A loaded and accepted plugin library. Immutable; shared by its instances,
// which keep it loaded.
class Plugin {
 public:
  ~Plugin();
  Plugin(const Plugin &) = delete;
  Plugin &operator=(const Plugin &) = delete;

  const PluginInfo &info() const { return info_; }
  // The kind's vtable, zero-extended (optional members of older plugins are
  // NULL). Throws std::logic_error for another kind.
  const trellis_tunnel_vtable &tunnel() const;
  const trellis_transport_vtable &transport() const;
  const trellis_auth_vtable &auth() const;
  const trellis_storage_vtable &storage() const;
  const PluginVtable &vtable() const { return vtable_; }
  // "auth 'setup-key' (/usr/lib/trellis/plugins/trellis-auth-setup-key.so)"
  std::string describe() const;

  struct Library;  // Boost.DLL, defined in plugin_loader.cpp only

 private:
  friend class PluginLoader;
  Plugin() = default;

  PluginInfo info_;
  PluginVtable vtable_;
  std::shared_ptr<HostCtx> ctx_;  // the library context given to the entry
  std::unique_ptr<Library> lib_;
};

class PluginInstance;

struct InstanceOptions {
  // Tunnel kind only: where the tunnel reports events (THREAD: loop).
  trellis_tunnel_event_fn tunnel_event = nullptr;
  void *tunnel_event_user = nullptr;
};

class PluginLoader {
 public:
  // search_dirs: in order; directories that do not exist are skipped.
  PluginLoader(HostServices services, std::vector<std::filesystem::path> search_dirs);
  ~PluginLoader();
  PluginLoader(const PluginLoader &) = delete;
  PluginLoader &operator=(const PluginLoader &) = delete;

  const std::vector<std::filesystem::path> &search_dirs() const { return dirs_; }

  // Loads (or returns the already loaded) plugin of kind `expected`. Throws
  // PluginError. Loop thread, before the loop runs.
  std::shared_ptr<const Plugin> load(const std::string &name_or_path, trellis_plugin_kind expected);

  // Every *.so in the search directories (sorted by name within a directory),
  // loaded and checked; refusals are collected, not thrown.
  struct Discovery {
    std::vector<PluginInfo> plugins;
    std::vector<PluginError> refused;
  };
  Discovery discover();

  // Calls the kind's create and returns the RAII instance. Throws
  // std::runtime_error (the plugin's error text included, and logged) when
  // create fails. THREAD: loop (storage: pool, as its create is blocking).
  std::unique_ptr<PluginInstance> create(const std::shared_ptr<const Plugin> &plugin,
                                         const std::string &instance_name,
                                         const nlohmann::json &config,
                                         const InstanceOptions &options = {});

  std::vector<std::shared_ptr<const Plugin>> loaded() const;
  const HostServices &services() const { return services_; }

 private:
  std::shared_ptr<const Plugin> open(const std::filesystem::path &path);

  HostServices services_;
  std::vector<std::filesystem::path> dirs_;
  std::map<std::string, std::shared_ptr<const Plugin>> by_path_;
  std::map<std::pair<trellis_plugin_kind, std::string>, std::shared_ptr<const Plugin>> by_name_;
};

}  // namespace trellis::core
