// SPDX-License-Identifier: Apache-2.0
// Runtime (see runtime.hpp). Order matters twice here. Assembly: config, logging,
// state dir, pool, loader, roles. Teardown: roles first (their plugin instances
// close and destroy while the pool and loop still exist), then the pool is
// joined, then the plugins are unloaded.
#include "core/runtime.hpp"

#include <csignal>
#include <cstdlib>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "core/logging.hpp"

namespace trellis::core {

Runtime::Runtime(RuntimeOptions options) : options_(std::move(options)) {}

Runtime::~Runtime() {
  if (metrics_server_) metrics_server_->stop();
  roles_.clear();
  if (pool_) pool_->join();
  loader_.reset();
}

std::vector<std::string> Runtime::role_names() const {
  std::vector<std::string> out;
  for (const auto &slot : roles_) out.push_back(slot.name);
  return out;
}

void Runtime::assemble() {
  config_ = load_host_config(options_.config_path);
  const HostConfig &cfg = *config_;
  if (options_.setup_logging) logging::setup(cfg.log_level, cfg.log_format);
  log_ = logging::make_logger("host");
  if (cfg.roles.empty()) cfg.fail_at(cfg.roles_mark, "no roles configured");
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");

  if (!options_.check_only) {
    std::error_code ec;
    std::filesystem::create_directories(cfg.state_dir, ec);
    if (!ec)
      std::filesystem::permissions(cfg.state_dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    if (ec)
      throw std::runtime_error(fmt::format("state_dir {}: {}", cfg.state_dir, ec.message()));
    kv_ = std::make_unique<FileKvBackend>(std::filesystem::path(cfg.state_dir) / "kv");
  }
  pool_ = std::make_unique<boost::asio::thread_pool>(options_.check_only ? 1 : cfg.workers);

  std::vector<std::filesystem::path> dirs = options_.extra_plugin_dirs;
  for (const auto &d : cfg.plugin_dirs) dirs.emplace_back(d);
  for (const auto &d : options_.builtin_plugin_dirs) dirs.push_back(d);
  loader_ = std::make_unique<PluginLoader>(
      HostServices{io_, *pool_, metrics_, kv_.get(), options_.check_only ? "" : cfg.state_dir},
      dirs);

  metrics_.gauge("build_info", "Build of this trellis host.",
                 fmt::format("version=\"{}\",abi=\"{}\"", TRELLIS_VERSION, host_abi_text()))
      ->set(1);
  reloads_ok_ = metrics_.counter("config_reloads_total", "Config reloads (SIGHUP).", "result=\"ok\"");
  reloads_failed_ =
      metrics_.counter("config_reloads_total", "Config reloads (SIGHUP).", "result=\"error\"");

  const auto &registry = registered_roles();
  for (const RoleSection &section : cfg.roles) {
    RoleSlot slot;
    slot.name = section.name;
    slot.ctx = std::make_unique<RoleContext>(RoleContext{
        io_, *pool_, *loader_, metrics_, logging::make_logger(section.name), cfg.state_dir,
        *cfg.file, options_.check_only});
    ConfigReader reader = cfg.role_reader(section);
    slot.role = registry.at(section.name)(*slot.ctx, reader);
    if (!slot.role) cfg.fail_at(section.mark, fmt::format("role '{}' could not be built", section.name));
    reader.finish();
    roles_.push_back(std::move(slot));
  }
  metrics_.gauge("plugins_loaded", "Plugin libraries loaded.")
      ->set(static_cast<double>(loader_->loaded().size()));
}

int Runtime::run() {
  const HostConfig &cfg = *config_;
  if (cfg.metrics_listen) {
    metrics_server_ = std::make_unique<MetricsServer>(io_, metrics_, logging::make_logger("metrics"));
    try {
      metrics_server_->start(*parse_listen_address(*cfg.metrics_listen));
    } catch (const std::exception &e) {
      log_->error("{}", e.what());
      return 1;
    }
  }
  if (options_.handle_signals) {
    signals_ = std::make_unique<boost::asio::signal_set>(io_, SIGINT, SIGTERM, SIGHUP);
    wait_signal();
  }
  boost::asio::post(io_, [this] { start_roles(); });
  for (;;) {
    try {
      io_.run();
      break;
    } catch (const std::exception &e) {
      log_->critical("unhandled exception on the loop: {}", e.what());
    } catch (...) {
      log_->critical("unhandled exception on the loop");
    }
    if (!stopping_) request_stop(1);
  }
  if (signals_) {
    boost::system::error_code ec;
    signals_->cancel(ec);
  }
  log_->info("stopped");
  spdlog::default_logger()->flush();
  return exit_code_;
}

void Runtime::start_roles() {
  std::string names;
  for (auto &slot : roles_) {
    if (stopping_) return;
    try {
      slot.role->start();
      slot.started = true;
      names += (names.empty() ? "" : ", ") + slot.name;
    } catch (const std::exception &e) {
      log_->error("role '{}' failed to start: {}", slot.name, e.what());
      request_stop(1);
      return;
    }
  }
  log_->info("trellis {} running (roles: {})", TRELLIS_VERSION, names);
}

void Runtime::wait_signal() {
  signals_->async_wait([this](boost::system::error_code ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      log_->info("SIGHUP: reloading {}", options_.config_path);
      reload();
    } else if (stopping_) {
      force_exit(fmt::format("second signal ({}) during shutdown", strsignal(signo)));
    } else {
      log_->info("{}: stopping", strsignal(signo));
      request_stop(0);
    }
    wait_signal();
  });
}

void Runtime::force_exit(const std::string &why) {
  log_->error("{}: forcing exit", why);
  spdlog::default_logger()->flush();
  std::_Exit(1);
}

void Runtime::request_stop(int exit_code) {
  if (stopping_) return;
  stopping_ = true;
  exit_code_ = exit_code;
  shutdown_timer_ = std::make_unique<boost::asio::steady_timer>(
      io_, std::chrono::milliseconds(config_->shutdown_timeout_ms));
  shutdown_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    force_exit(fmt::format("roles did not stop within {} ms", config_->shutdown_timeout_ms));
  });
  stop_next(roles_.size());
}

// Stops roles_[remaining-1], then (from its done) the one before it.
void Runtime::stop_next(size_t remaining) {
  while (remaining > 0 && !roles_[remaining - 1].started) --remaining;
  if (remaining == 0) {
    finish_stop();
    return;
  }
  RoleSlot &slot = roles_[remaining - 1];
  log_->debug("stopping role '{}'", slot.name);
  auto called = std::make_shared<bool>(false);
  try {
    slot.role->stop([this, remaining, called] {
      if (*called) return;
      *called = true;
      // Always continue from a fresh handler: done may be called inside stop().
      boost::asio::post(io_, [this, remaining] { stop_next(remaining - 1); });
    });
  } catch (const std::exception &e) {
    log_->error("role '{}' failed to stop: {}", slot.name, e.what());
    exit_code_ = 1;
    if (!*called) {
      *called = true;
      boost::asio::post(io_, [this, remaining] { stop_next(remaining - 1); });
    }
  }
}

void Runtime::finish_stop() {
  stopped_ = true;
  if (shutdown_timer_) shutdown_timer_->cancel();
  if (metrics_server_) metrics_server_->stop();
  io_.stop();
}

void Runtime::reload() {
  std::optional<HostConfig> fresh;
  try {
    fresh = load_host_config(options_.config_path);
  } catch (const std::exception &e) {
    reloads_failed_->add(1);
    log_->error("reload refused, keeping the running configuration: {}", e.what());
    return;
  }
  const HostConfig &now = *config_;
  if (fresh->log_level != now.log_level) {
    logging::set_level(fresh->log_level);
    log_->info("log level is now {}", fresh->log_level);
  }
  if (fresh->log_format != now.log_format || fresh->metrics_listen != now.metrics_listen ||
      fresh->state_dir != now.state_dir || fresh->plugin_dirs != now.plugin_dirs ||
      fresh->workers != now.workers) {
    log_->warn("changes to log.format, metrics, state_dir, plugin_dirs or workers need a restart");
  }
  bool failed = false;
  for (auto &slot : roles_) {
    auto it = std::find_if(fresh->roles.begin(), fresh->roles.end(),
                           [&](const RoleSection &s) { return s.name == slot.name; });
    if (it == fresh->roles.end()) {
      log_->warn("role '{}' is no longer in the config: restart to remove it", slot.name);
      continue;
    }
    try {
      ConfigReader reader = fresh->role_reader(*it);
      if (slot.role->reload(reader)) {
        reader.finish();
        log_->info("role '{}' reloaded", slot.name);
      } else {
        log_->info("role '{}' does not support reload: restart to apply its changes", slot.name);
      }
    } catch (const std::exception &e) {
      failed = true;
      log_->error("role '{}' reload failed: {}", slot.name, e.what());
    }
  }
  for (const auto &s : fresh->roles) {
    if (std::none_of(roles_.begin(), roles_.end(), [&](const RoleSlot &r) { return r.name == s.name; }))
      log_->warn("role '{}' was added to the config: restart to start it", s.name);
  }
  (failed ? reloads_failed_ : reloads_ok_)->add(1);
  HostConfig kept = std::move(*fresh);
  kept.log_format = now.log_format;  // what is actually in effect
  kept.metrics_listen = now.metrics_listen;
  kept.state_dir = now.state_dir;
  kept.plugin_dirs = now.plugin_dirs;
  kept.workers = now.workers;
  config_ = std::move(kept);
}

}  // namespace trellis::core
