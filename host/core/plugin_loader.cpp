// SPDX-License-Identifier: Apache-2.0
// PluginLoader (see plugin_loader.hpp) — the only file that touches Boost.DLL.
// open() is the whole acceptance procedure for one file: dlopen, entry lookup
// (probing trellis_plugin_entry_v2..v9 to name another major), the entry call
// with the host table and a library context, check_descriptor, duplicate check.
#include "core/plugin_loader.hpp"

#include <algorithm>
#include <system_error>
#include <type_traits>

#include <boost/dll/shared_library.hpp>
#include <boost/system/system_error.hpp>
#include <spdlog/spdlog.h>
#include <fmt/format.h>

#include "core/logging.hpp"
#include "core/plugin_instance.hpp"

namespace trellis::core {

struct Plugin::Library {
  boost::dll::shared_library lib;
};

namespace {

using EntryFn = std::remove_pointer_t<trellis_plugin_entry_fn>;

// Boost.DLL puts dlerror()'s text inside its exception message:
// "... (dlerror system message: TEXT): <errc message>".
std::string dlerror_text(const std::string &what) {
  static constexpr std::string_view kMarker = "dlerror system message: ";
  size_t b = what.find(kMarker);
  if (b == std::string::npos) return what;
  b += kMarker.size();
  size_t e = what.rfind("): ");
  if (e == std::string::npos || e < b) e = what.size();
  return what.substr(b, e - b);
}

bool looks_like_path(const std::string &s) {
  return s.find('/') != std::string::npos ||
         (s.size() > 3 && s.compare(s.size() - 3, 3, ".so") == 0);
}

}  // namespace

PluginError::PluginError(std::string path, std::string plugin_abi, std::string reason)
    : std::runtime_error(plugin_abi.empty() ? fmt::format("plugin {}: {}", path, reason)
                                            : refusal_line(path, plugin_abi, reason)),
      path_(std::move(path)),
      plugin_abi_(std::move(plugin_abi)),
      reason_(std::move(reason)) {}

Plugin::~Plugin() {
  // Nothing scheduled through the library context may run once the code is gone.
  if (ctx_) {
    ctx_->close();
    ctx_->release();
  }
  ctx_.reset();
  lib_.reset();
}

namespace {
[[noreturn]] void wrong_kind(const PluginInfo &info, const char *want) {
  throw std::logic_error(fmt::format("plugin {} is of kind {}, not {}", info.path,
                                     kind_name(info.kind), want));
}
}  // namespace

const trellis_tunnel_vtable &Plugin::tunnel() const {
  if (auto *v = std::get_if<trellis_tunnel_vtable>(&vtable_)) return *v;
  wrong_kind(info_, "tunnel");
}
const trellis_transport_vtable &Plugin::transport() const {
  if (auto *v = std::get_if<trellis_transport_vtable>(&vtable_)) return *v;
  wrong_kind(info_, "transport");
}
const trellis_auth_vtable &Plugin::auth() const {
  if (auto *v = std::get_if<trellis_auth_vtable>(&vtable_)) return *v;
  wrong_kind(info_, "auth");
}
const trellis_storage_vtable &Plugin::storage() const {
  if (auto *v = std::get_if<trellis_storage_vtable>(&vtable_)) return *v;
  wrong_kind(info_, "storage");
}

std::string Plugin::describe() const {
  return fmt::format("{} '{}' ({})", kind_name(info_.kind), info_.name, info_.path);
}

PluginLoader::PluginLoader(HostServices services, std::vector<std::filesystem::path> search_dirs)
    : services_(std::move(services)), dirs_(std::move(search_dirs)) {}

PluginLoader::~PluginLoader() = default;

std::shared_ptr<const Plugin> PluginLoader::open(const std::filesystem::path &requested) {
  std::error_code ec;
  std::filesystem::path path = std::filesystem::weakly_canonical(requested, ec);
  if (ec) path = requested;
  const std::string p = path.string();
  if (auto it = by_path_.find(p); it != by_path_.end()) return it->second;

  const std::string unknown = plugin_abi_text(false, 0, std::nullopt);
  if (!std::filesystem::is_regular_file(path, ec))
    throw PluginError(p, unknown,
                      ec && ec != std::errc::no_such_file_or_directory ? "cannot access: " + ec.message()
                                                                       : "no such file");

  auto lib = std::make_unique<Plugin::Library>();
  try {
    lib->lib.load(boost::dll::fs::path(p),
                  boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const boost::system::system_error &e) {
    throw PluginError(p, unknown, "cannot load: " + dlerror_text(e.what()));
  }

  if (!lib->lib.has(TRELLIS_PLUGIN_ENTRY_SYMBOL)) {
    for (int major = 2; major <= 9; ++major) {
      std::string sym = fmt::format("trellis_plugin_entry_v{}", major);
      if (lib->lib.has(sym)) {
        throw PluginError(p, plugin_abi_text(true, static_cast<uint16_t>(major), std::nullopt),
                          fmt::format("it exports {} instead of {} (another ABI major version)",
                                      sym, TRELLIS_PLUGIN_ENTRY_SYMBOL));
      }
    }
    throw PluginError(p, unknown,
                      fmt::format("no {} symbol: not a Trellis plugin", TRELLIS_PLUGIN_ENTRY_SYMBOL));
  }
  EntryFn &entry = lib->lib.get<EntryFn>(TRELLIS_PLUGIN_ENTRY_SYMBOL);

  const std::string stem = path.stem().string();
  auto ctx = std::make_shared<HostCtx>(services_, logging::make_logger("plugin:" + stem), "",
                                       std::vector<Label>{{"plugin_file", stem}});
  const trellis_plugin_descriptor *desc = nullptr;
  try {
    desc = entry(host_api(), ctx->abi());
  } catch (...) {
    ctx->close();
    throw PluginError(p, unknown, "its entry threw an exception across the ABI");
  }
  DescriptorVerdict v = check_descriptor(desc);
  const std::string abi = plugin_abi_text(v.abi_known, v.abi_major, v.abi_minor);
  if (!v.ok) {
    ctx->close();
    ctx->release();
    throw PluginError(p, abi, v.reason);
  }
  auto key = std::make_pair(v.kind, v.name);
  if (auto it = by_name_.find(key); it != by_name_.end()) {
    ctx->close();
    ctx->release();
    throw PluginError(p, abi,
                      fmt::format("duplicate {} plugin '{}': already loaded from {}",
                                  kind_name(v.kind), v.name, it->second->info().path));
  }

  std::shared_ptr<Plugin> plugin(new Plugin());
  plugin->info_ = PluginInfo{p, v.kind, v.name, v.version, v.description, v.abi_major, v.abi_minor};
  plugin->vtable_ = v.vtable;
  plugin->ctx_ = std::move(ctx);
  plugin->lib_ = std::move(lib);
  by_path_.emplace(p, plugin);
  by_name_.emplace(key, plugin);
  spdlog::debug("loaded {} plugin '{}' {} ({}) from {}", kind_name(v.kind), v.name, v.version,
                abi, p);
  return plugin;
}

std::shared_ptr<const Plugin> PluginLoader::load(const std::string &name_or_path,
                                                 trellis_plugin_kind expected) {
  std::shared_ptr<const Plugin> plugin;
  bool by_name = !looks_like_path(name_or_path);
  if (!by_name) {
    plugin = open(name_or_path);
  } else {
    if (!valid_plugin_name(name_or_path))
      throw PluginError(name_or_path, "", "invalid plugin name (want [a-z0-9-]{1,64} or a path)");
    const std::string file =
        fmt::format("trellis-{}-{}.so", kind_name(expected), name_or_path);
    for (const auto &dir : dirs_) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(dir / file, ec)) {
        plugin = open(dir / file);
        break;
      }
    }
    if (!plugin) {
      std::string where;
      for (const auto &dir : dirs_) where += (where.empty() ? "" : ", ") + dir.string();
      throw PluginError(name_or_path, "",
                        fmt::format("no {} plugin named '{}' (looked for {} in: {})",
                                    kind_name(expected), name_or_path, file,
                                    where.empty() ? "no directories" : where));
    }
  }
  const PluginInfo &info = plugin->info();
  const std::string abi = plugin_abi_text(true, info.abi_major, info.abi_minor);
  if (info.kind != expected) {
    throw PluginError(info.path, abi,
                      fmt::format("wrong kind: '{}' is of kind {}, expected kind {}", info.name,
                                  kind_name(info.kind), kind_name(expected)));
  }
  if (by_name && info.name != name_or_path) {
    throw PluginError(info.path, abi,
                      fmt::format("the file declares {} plugin '{}', expected '{}'",
                                  kind_name(info.kind), info.name, name_or_path));
  }
  return plugin;
}

PluginLoader::Discovery PluginLoader::discover() {
  Discovery out;
  std::vector<std::string> seen;
  for (const auto &dir : dirs_) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so" && entry.is_regular_file(ec)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto &f : files) {
      std::string canon = std::filesystem::weakly_canonical(f, ec).string();
      if (std::find(seen.begin(), seen.end(), canon) != seen.end()) continue;
      seen.push_back(canon);
      try {
        out.plugins.push_back(open(f)->info());
      } catch (const PluginError &e) {
        out.refused.push_back(e);
      }
    }
  }
  return out;
}

std::unique_ptr<PluginInstance> PluginLoader::create(const std::shared_ptr<const Plugin> &plugin,
                                                     const std::string &instance_name,
                                                     const nlohmann::json &config,
                                                     const InstanceOptions &options) {
  return PluginInstance::create(services_, plugin, instance_name, config, options);
}

std::vector<std::shared_ptr<const Plugin>> PluginLoader::loaded() const {
  std::vector<std::shared_ptr<const Plugin>> out;
  for (const auto &[path, p] : by_path_) out.push_back(p);
  return out;
}

}  // namespace trellis::core
