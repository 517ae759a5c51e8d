// SPDX-License-Identifier: Apache-2.0
// Runtime: what `trellis run` and `trellis check` assemble from a config file —
// one io_context run on the calling (main) thread, a blocking thread pool, the
// metrics registry and listener, the key/value store, the plugin loader, and the
// configured roles built by their registered factories.
//
// Signals (run() only):
//   SIGTERM, SIGINT  graceful stop: each role's stop(done), in reverse order of
//                    start; then the loop ends and run() returns 0. A second
//                    signal, or shutdown_timeout passing, forces exit(1).
//   SIGHUP           re-read the file; apply the log level; call reload() on
//                    every running role (logging which do not support it). A
//                    file that no longer parses is logged and ignored.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/config.hpp"
#include "core/kv_store.hpp"
#include "core/metrics.hpp"
#include "core/metrics_server.hpp"
#include "core/plugin_loader.hpp"
#include "core/role.hpp"

namespace trellis::core {

struct RuntimeOptions {
  std::string config_path;
  // Searched before the config's plugin_dirs (`trellis plugins --plugin-dir`).
  std::vector<std::filesystem::path> extra_plugin_dirs;
  // Searched after them: the build tree's plugin dir (when running from it), then
  // the installed default.
  std::vector<std::filesystem::path> builtin_plugin_dirs;
  bool check_only = false;
  bool setup_logging = true;  // false: keep the caller's sinks (tests)
  bool handle_signals = true;
};

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options);
  ~Runtime();
  Runtime(const Runtime &) = delete;
  Runtime &operator=(const Runtime &) = delete;

  // Reads and validates the config and builds the roles (their factories parse
  // their sections; check_only passes through RoleContext). Throws ConfigError,
  // PluginError or std::runtime_error. Main thread.
  void assemble();
  // Starts the roles and runs the loop until a graceful stop ends; returns the
  // exit status (0, or 1 when a role failed to start or the loop threw).
  int run();

  // Begin a graceful stop (as SIGTERM does). Loop thread.
  void request_stop(int exit_code = 0);
  // Re-read the config and reload roles (as SIGHUP does). Loop thread.
  void reload();

  const HostConfig &config() const { return *config_; }
  boost::asio::io_context &io() { return io_; }
  Metrics &metrics() { return metrics_; }
  PluginLoader &plugins() { return *loader_; }
  uint16_t metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }
  std::vector<std::string> role_names() const;

 private:
  struct RoleSlot {
    std::string name;
    std::unique_ptr<RoleContext> ctx;
    std::unique_ptr<Role> role;
    bool started = false;
  };

  void start_roles();
  void stop_next(size_t remaining);
  void finish_stop();
  void wait_signal();
  [[noreturn]] void force_exit(const std::string &why);

  RuntimeOptions options_;
  std::optional<HostConfig> config_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  Metrics metrics_;
  std::unique_ptr<KvBackend> kv_;
  std::unique_ptr<PluginLoader> loader_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<boost::asio::signal_set> signals_;
  std::unique_ptr<boost::asio::steady_timer> shutdown_timer_;
  std::shared_ptr<MetricSeries> reloads_ok_;
  std::shared_ptr<MetricSeries> reloads_failed_;
  std::vector<RoleSlot> roles_;
  bool stopping_ = false;
  bool stopped_ = false;
  int exit_code_ = 0;
};

}  // namespace trellis::core
