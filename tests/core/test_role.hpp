// SPDX-License-Identifier: Apache-2.0
// "test-role": a role registered only in the test binary, so the runtime can be
// exercised end to end without the real roles. Its section:
//   greeting: text         logged on start and reload
//   fail_start: bool       start() throws
//   stop_delay: duration   stop() calls done after this long
//   reloadable: bool       reload() support (default true)
//   auth_plugin: name|path an auth plugin to load (factory) and instantiate (start)
//   plugin_config: {...}   that instance's config
// What happened is recorded in test_role_events() for the tests to assert.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

namespace trellis::test {

struct TestRoleEvents {
  std::atomic<int> built{0};
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::atomic<int> reloaded{0};
  std::atomic<bool> instance_alive{false};
  std::mutex mu;
  std::string greeting;
};

TestRoleEvents &test_role_events();
void reset_test_role_events();

}  // namespace trellis::test
