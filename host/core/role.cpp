// SPDX-License-Identifier: Apache-2.0
// The role registry. Roles register from static initialisers in their own
// libraries (linked whole-archive), before main() runs, so the map is a
// function-local static (no initialisation-order problem) and registration is
// single-threaded. A second registration under the same name is refused.
#include "core/role.hpp"

namespace trellis::core {
namespace {

std::map<std::string, RoleFactory> &registry() {
  static std::map<std::string, RoleFactory> roles;
  return roles;
}

}  // namespace

bool register_role(const std::string &name, RoleFactory factory) {
  if (name.empty() || !factory) return false;
  return registry().emplace(name, std::move(factory)).second;
}

const std::map<std::string, RoleFactory> &registered_roles() { return registry(); }

}  // namespace trellis::core
