// SPDX-License-Identifier: Apache-2.0
// Run a program inside a network namespace (setns in the child, then exec),
// capturing its output, with a hard deadline: past it the child is killed.
#pragma once

#include <string>
#include <vector>

namespace trellis::vmtest {

struct ExecResult {
  int exit_code = -1;  // -1: killed or failed to start
  std::string output;  // stdout and stderr together
  double seconds = 0;
};

// netns: a path such as /run/netns/a ("" = the current namespace).
ExecResult run_in_netns(const std::string &netns, const std::vector<std::string> &argv,
                        int timeout_s);

// Moves the calling thread into netns. Throws std::runtime_error.
void enter_netns(const std::string &netns);

}  // namespace trellis::vmtest
