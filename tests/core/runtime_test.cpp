// SPDX-License-Identifier: Apache-2.0
// The runtime end to end with the test-only role: start, SIGHUP reload (good,
// broken and unsupported), SIGTERM graceful stop (exit 0), a role that fails to
// start (exit 1), check mode, "no roles configured", and — in forked children,
// because they end the process — the forced exits (second signal, shutdown
// timeout).
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <boost/asio/post.hpp>

#include "core/plugin_loader.hpp"
#include "core/runtime.hpp"
#include "test_role.hpp"
#include "test_support.hpp"

namespace core = trellis::core;
using namespace std::chrono_literals;
using trellis::test::test_role_events;

namespace {

std::string role_config(const std::string &role_section, const std::string &extra = "") {
  return "log: {level: debug}\n"
         "state_dir: state\n"
         "plugin_dirs: [\"" + trellis::test::fixtures_dir().string() + "\"]\n"
         "shutdown_timeout: 5s\n" + extra +
         "roles:\n"
         "  test-role: " + role_section + "\n";
}

core::RuntimeOptions options(const std::filesystem::path &file, bool check_only = false) {
  core::RuntimeOptions o;
  o.config_path = file.string();
  o.check_only = check_only;
  o.setup_logging = false;
  return o;
}

// Waits on a helper thread for pred, bounded; false on timeout.
bool wait_for(const std::function<bool()> &pred, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

}  // namespace

TEST_CASE("runtime: start, reload on SIGHUP, graceful stop on SIGTERM", "[runtime]") {
  auto logs = trellis::test::capture_logs();
  trellis::test::reset_test_role_events();
  trellis::test::TempDir dir;
  auto file = dir.write("t.yaml", role_config("{greeting: hello, auth_plugin: fixture-good, stop_delay: 50ms}",
                                              "metrics: {listen: \"127.0.0.1:0\"}\n"));
  core::Runtime rt(options(file));
  rt.assemble();
  CHECK(rt.role_names() == std::vector<std::string>{"test-role"});
  CHECK(std::filesystem::is_directory(dir.path() / "state"));

  std::string failure;
  std::thread driver([&] {
    auto give_up = [&](const std::string &why) {
      failure = why;
      boost::asio::post(rt.io(), [&] { rt.request_stop(99); });
    };
    if (!wait_for([] { return test_role_events().started == 1; })) return give_up("never started");
    dir.write("t.yaml", role_config("{greeting: bonjour, auth_plugin: fixture-good, stop_delay: 50ms}"));
    kill(getpid(), SIGHUP);
    if (!wait_for([] { return test_role_events().reloaded == 1; })) return give_up("no reload");
    dir.write("t.yaml", "roles: [broken\n");
    kill(getpid(), SIGHUP);
    if (!wait_for([&] { return logs->contains("reload refused"); })) return give_up("no refusal");
    kill(getpid(), SIGTERM);
  });
  int status = rt.run();
  driver.join();
  REQUIRE(failure.empty());
  CHECK(status == 0);
  CHECK(test_role_events().stopped == 1);
  CHECK_FALSE(test_role_events().instance_alive);
  CHECK(test_role_events().greeting == "bonjour");
  CHECK(rt.metrics_port() != 0);
  CHECK(logs->contains("[test-role] test-role started: hello"));
  CHECK(logs->contains("[test-role] test-role reloaded: bonjour"));
  CHECK(logs->contains("role 'test-role' reloaded"));
  CHECK(logs->contains("reload refused, keeping the running configuration: " + file.string() + ":"));
  CHECK(logs->contains("Terminated: stopping"));
  std::string metrics = rt.metrics().render();
  CHECK_THAT(metrics, Catch::Contains("trellis_config_reloads_total{result=\"ok\"} 1\n"));
  CHECK_THAT(metrics, Catch::Contains("trellis_config_reloads_total{result=\"error\"} 1\n"));
  CHECK_THAT(metrics, Catch::Contains("trellis_build_info{version=\"" TRELLIS_VERSION "\",abi=\"1.0\"} 1\n"));
  CHECK_THAT(metrics, Catch::Contains("trellis_plugins_loaded 1\n"));
}

TEST_CASE("runtime: a role without reload support is named in the log", "[runtime]") {
  auto logs = trellis::test::capture_logs();
  trellis::test::reset_test_role_events();
  trellis::test::TempDir dir;
  auto file = dir.write("t.yaml", role_config("{reloadable: false}"));
  core::Runtime rt(options(file));
  rt.assemble();
  boost::asio::post(rt.io(), [&] {
    rt.reload();
    rt.request_stop(0);
  });
  CHECK(rt.run() == 0);
  CHECK(logs->contains("role 'test-role' does not support reload: restart to apply its changes"));
  CHECK(test_role_events().reloaded == 0);
}

TEST_CASE("runtime: a role that fails to start ends the run with status 1", "[runtime]") {
  auto logs = trellis::test::capture_logs();
  trellis::test::reset_test_role_events();
  trellis::test::TempDir dir;
  auto file = dir.write("t.yaml", role_config("{fail_start: true}"));
  core::Runtime rt(options(file));
  rt.assemble();
  CHECK(rt.run() == 1);
  CHECK(logs->contains("role 'test-role' failed to start: test-role: told to fail"));
  CHECK(test_role_events().stopped == 0);  // never started, so never stopped
}

TEST_CASE("runtime: no roles configured", "[runtime]") {
  trellis::test::capture_logs();
  trellis::test::TempDir dir;
  auto none = dir.write("none.yaml", "log: {level: info}\n");
  auto empty = dir.write("empty.yaml", "# nothing\nroles: {}\n");
  core::Runtime a(options(none));
  CHECK_THROWS_WITH(a.assemble(), none.string() + ":1:1: no roles configured");
  core::Runtime b(options(empty));
  CHECK_THROWS_WITH(b.assemble(), empty.string() + ":2:1: no roles configured");
}

TEST_CASE("runtime: check mode resolves plugins but starts nothing", "[runtime]") {
  trellis::test::capture_logs();
  trellis::test::reset_test_role_events();
  trellis::test::TempDir dir;
  auto good = dir.write("good.yaml", role_config("{auth_plugin: fixture-good}"));
  core::Runtime ok(options(good, true));
  ok.assemble();
  CHECK(test_role_events().built == 1);
  CHECK(test_role_events().started == 0);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "state"));
  auto bad = dir.write("bad.yaml", role_config("{auth_plugin: \"" +
                                                trellis::test::fixture("fixture-abi2-descriptor.so") + "\"}"));
  core::Runtime refused(options(bad, true));
  CHECK_THROWS_WITH(refused.assemble(), Catch::Contains("built for ABI 2.0, host is ABI 1.0: refused"));
  auto unknown_key = dir.write("typo.yaml", role_config("{greting: hi}"));
  core::Runtime typo(options(unknown_key, true));
  CHECK_THROWS_WITH(typo.assemble(), Catch::StartsWith(unknown_key.string() + ":6:15: unknown key 'greting'"));
}

namespace {

// Runs a runtime in a forked child; the parent gets its exit status. `signals`
// are sent (spaced by 100 ms) once the child's role has started.
int run_child(const std::string &yaml, int signals) {
  trellis::test::TempDir dir;
  auto file = dir.write("t.yaml", yaml);
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    trellis::test::capture_logs();
    trellis::test::reset_test_role_events();
    core::Runtime rt(options(file));
    rt.assemble();
    std::thread tell([&] {
      if (wait_for([] { return test_role_events().started == 1; })) (void)!write(ready[1], "r", 1);
    });
    tell.detach();
    _exit(rt.run() + 100);  // a forced exit is 1; a normal return 100+
  }
  close(ready[1]);
  char c = 0;
  pollfd pfd{ready[0], POLLIN, 0};
  bool started = poll(&pfd, 1, 5000) == 1 && read(ready[0], &c, 1) == 1;
  close(ready[0]);
  for (int i = 0; started && i < signals; ++i) {
    kill(pid, SIGTERM);
    std::this_thread::sleep_for(100ms);
  }
  int status = 0;
  for (int i = 0; i < 100; ++i) {  // at most 10 s
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(100ms);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -2;
}

}  // namespace

TEST_CASE("runtime: a second signal forces exit(1)", "[runtime][fork]") {
  CHECK(run_child(role_config("{stop_delay: 20s}"), 2) == 1);
}

TEST_CASE("runtime: shutdown_timeout forces exit(1)", "[runtime][fork]") {
  std::string yaml = role_config("{stop_delay: 20s}");
  yaml.replace(yaml.find("shutdown_timeout: 5s"), 20, "shutdown_timeout: 300ms");
  CHECK(run_child(yaml, 1) == 1);
}

TEST_CASE("runtime: one signal stops gracefully (exit 0)", "[runtime][fork]") {
  CHECK(run_child(role_config("{stop_delay: 10ms}"), 1) == 100);
}
