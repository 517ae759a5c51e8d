// SPDX-License-Identifier: Apache-2.0
// PluginInstance (see plugin_instance.hpp): create through the kind's vtable,
// teardown in the order close -> destroy -> release.
#include "core/plugin_instance.hpp"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "core/logging.hpp"

namespace trellis::core {
namespace {

void destroy_handle(const Plugin &plugin, void *handle) {
  if (handle == nullptr) return;
  switch (plugin.info().kind) {
    case TRELLIS_KIND_TUNNEL: plugin.tunnel().destroy(handle); break;
    case TRELLIS_KIND_TRANSPORT: plugin.transport().destroy(handle); break;
    case TRELLIS_KIND_AUTH: plugin.auth().destroy(handle); break;
    case TRELLIS_KIND_STORAGE: plugin.storage().destroy(handle); break;
  }
}

}  // namespace

bool PluginInstance::valid_name(const std::string &name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::unique_ptr<PluginInstance> PluginInstance::create(const HostServices &services,
                                                       std::shared_ptr<const Plugin> plugin,
                                                       const std::string &instance_name,
                                                       const nlohmann::json &config,
                                                       const InstanceOptions &options) {
  const PluginInfo &info = plugin->info();
  const std::string what =
      fmt::format("{} plugin '{}' ({}) instance '{}'", kind_name(info.kind), info.name, info.path,
                  instance_name);
  if (!valid_name(instance_name))
    throw std::runtime_error(what + ": invalid instance name (want [A-Za-z0-9_.-]{1,64})");

  std::unique_ptr<PluginInstance> inst(new PluginInstance());
  inst->plugin_ = plugin;
  inst->name_ = instance_name;
  const std::string scope = fmt::format("{}/{}/{}", kind_name(info.kind), info.name, instance_name);
  if (!services.state_dir.empty()) {
    std::filesystem::path dir = std::filesystem::path(services.state_dir) / "plugins" /
                                fmt::format("{}-{}", kind_name(info.kind), info.name) /
                                instance_name;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!ec)
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    if (ec) throw std::runtime_error(fmt::format("{}: cannot create {}: {}", what, dir.string(), ec.message()));
    inst->state_dir_ = dir.string();
  }
  inst->ctx_ = std::make_shared<HostCtx>(
      services, logging::make_logger(fmt::format("{}:{}/{}", kind_name(info.kind), info.name, instance_name)),
      scope, std::vector<Label>{{"plugin", info.name}, {"instance", instance_name}});

  const std::string config_json = config.is_null() ? "{}" : config.dump();
  trellis_create_params params{};
  params.struct_size = static_cast<uint32_t>(sizeof params);
  params.ctx = inst->ctx_->abi();
  params.instance_name = inst->name_.c_str();
  params.config_json = config_json.c_str();
  params.state_dir = inst->state_dir_.empty() ? nullptr : inst->state_dir_.c_str();

  char *error = nullptr;
  void *handle = nullptr;
  trellis_status st = TRELLIS_E_INTERNAL;
  bool threw = false;
  try {
    switch (info.kind) {
      case TRELLIS_KIND_TUNNEL:
        st = plugin->tunnel().create(&params, options.tunnel_event, options.tunnel_event_user,
                                     &handle, &error);
        break;
      case TRELLIS_KIND_TRANSPORT: st = plugin->transport().create(&params, &handle, &error); break;
      case TRELLIS_KIND_AUTH: st = plugin->auth().create(&params, &handle, &error); break;
      case TRELLIS_KIND_STORAGE: st = plugin->storage().create(&params, &handle, &error); break;
    }
  } catch (...) {
    threw = true;
    st = TRELLIS_E_INTERNAL;
  }
  std::string text = error != nullptr ? logging::sanitize(error) : std::string();
  if (threw) text = "create threw an exception across the ABI";
  host_api()->free(error);
  if (st != TRELLIS_OK || handle == nullptr) {
    // Whatever create scheduled before failing must not run either.
    inst->ctx_->close();
    inst->ctx_->release();
    if (st == TRELLIS_OK) {
      st = TRELLIS_E_INTERNAL;
      text = "create returned OK without an instance";
    }
    std::string msg = fmt::format("{}: create failed: {}: {}", what, status_name(st),
                                  text.empty() ? "(no error text)" : text);
    inst->ctx_->logger()->error("{}", msg);
    inst->ctx_.reset();
    throw std::runtime_error(msg);
  }
  inst->handle_ = handle;
  return inst;
}

PluginInstance::~PluginInstance() {
  if (!ctx_) return;
  ctx_->close();
  try {
    destroy_handle(*plugin_, handle_);
  } catch (...) {
    ctx_->logger()->error("destroy threw across the ABI");
  }
  handle_ = nullptr;
  ctx_->release();
}

}  // namespace trellis::core
