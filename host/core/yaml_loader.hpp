// SPDX-License-Identifier: Apache-2.0
// Loading a YAML config document: read the file, parse it with yaml-cpp (syntax
// errors become ConfigError "FILE:LINE:COL: ..."), refuse duplicate keys and
// multi-document files, then substitute environment references in every scalar
// value of the parsed tree (env_subst.hpp), in place, so each scalar keeps its
// original line and column for later errors. Keys are not substituted.
// Inside flow collections ([...] or {...}) YAML forbids '{' and '}' in plain
// scalars, so a reference there must be quoted: ["${DIR}"].
#pragma once

#include <memory>
#include <string>

#include <yaml-cpp/yaml.h>

#include "core/env_subst.hpp"

namespace trellis::core {

struct YamlDocument {
  YAML::Node root;                          // a mapping or null (empty file)
  std::shared_ptr<const std::string> file;  // the name errors are reported under
};

// Config files are small; anything larger is refused.
inline constexpr size_t kMaxConfigBytes = 4u << 20;

// Throws ConfigError.
YamlDocument load_yaml_file(const std::string &path, const EnvLookup &env = process_env());
YamlDocument load_yaml_string(const std::string &text, const std::string &name,
                              const EnvLookup &env = process_env());

}  // namespace trellis::core
