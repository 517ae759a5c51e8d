// SPDX-License-Identifier: Apache-2.0
// The test-only role (see test_role.hpp).
#include "test_role.hpp"

#include <memory>
#include <optional>

#include <boost/asio/steady_timer.hpp>

#include "core/plugin_instance.hpp"
#include "core/plugin_loader.hpp"
#include "core/role.hpp"

namespace trellis::test {

TestRoleEvents &test_role_events() {
  static TestRoleEvents e;
  return e;
}

void reset_test_role_events() {
  auto &e = test_role_events();
  e.built = e.started = e.stopped = e.reloaded = 0;
  e.instance_alive = false;
  std::lock_guard lock(e.mu);
  e.greeting.clear();
}

namespace {

class TestRole final : public core::Role {
 public:
  TestRole(core::RoleContext &ctx, core::ConfigReader &section) : ctx_(ctx), timer_(ctx.io) {
    parse(section);
    if (auto name = section.opt_string("auth_plugin")) {
      plugin_ = ctx.plugins.load(*name, TRELLIS_KIND_AUTH);
    }
    plugin_config_ = section.get_json("plugin_config");
    ++test_role_events().built;
  }

  void start() override {
    if (fail_start_) throw std::runtime_error("test-role: told to fail");
    if (plugin_) {
      instance_ = ctx_.plugins.create(plugin_, "main", plugin_config_);
      test_role_events().instance_alive = true;
    }
    ctx_.log->info("test-role started: {}", greeting());
    ++test_role_events().started;
  }

  void stop(std::function<void()> done) override {
    timer_.expires_after(std::chrono::milliseconds(stop_delay_ms_));
    timer_.async_wait([this, done = std::move(done)](boost::system::error_code) {
      instance_.reset();
      test_role_events().instance_alive = false;
      ++test_role_events().stopped;
      ctx_.log->info("test-role stopped");
      done();
    });
  }

  bool reload(core::ConfigReader &section) override {
    if (!reloadable_) return false;
    parse(section);
    section.skip("auth_plugin");
    section.skip("plugin_config");
    ++test_role_events().reloaded;
    ctx_.log->info("test-role reloaded: {}", greeting());
    return true;
  }

 private:
  void parse(core::ConfigReader &section) {
    std::string g = section.get_string("greeting", "hello");
    fail_start_ = section.get_bool("fail_start", false);
    stop_delay_ms_ = section.get_duration_ms("stop_delay", 0);
    reloadable_ = section.get_bool("reloadable", true);
    std::lock_guard lock(test_role_events().mu);
    test_role_events().greeting = g;
  }
  std::string greeting() {
    std::lock_guard lock(test_role_events().mu);
    return test_role_events().greeting;
  }

  core::RoleContext &ctx_;
  boost::asio::steady_timer timer_;
  bool fail_start_ = false;
  bool reloadable_ = true;
  int64_t stop_delay_ms_ = 0;
  std::shared_ptr<const core::Plugin> plugin_;
  nlohmann::json plugin_config_;
  std::unique_ptr<core::PluginInstance> instance_;
};

[[maybe_unused]] const bool registered = core::register_role(
    "test-role", [](core::RoleContext &ctx, core::ConfigReader &section) -> std::unique_ptr<core::Role> {
      return std::make_unique<TestRole>(ctx, section);
    });

}  // namespace
}  // namespace trellis::test
