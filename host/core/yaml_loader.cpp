// SPDX-License-Identifier: Apache-2.0
// See yaml_loader.hpp. The tree walk tracks visited nodes by their source
// position, so a node reached through several aliases is checked and
// substituted once (no "billion laughs" blow-up, no double substitution).
#include "core/yaml_loader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/config_reader.hpp"

namespace trellis::core {
namespace {

constexpr int kMaxDepth = 64;

class Walker {
 public:
  Walker(const std::string &file, const EnvLookup &env) : file_(file), env_(env) {}

  void walk(YAML::Node node, int depth) {
    const YAML::Mark m = node.Mark();
    if (depth > kMaxDepth) fail(m, "nesting too deep");
    if (!m.is_null() && !visited_.insert(m.pos).second) return;
    switch (node.Type()) {
      case YAML::NodeType::Scalar: substitute(node); break;
      case YAML::NodeType::Sequence:
        for (auto item : node) walk(item, depth + 1);
        break;
      case YAML::NodeType::Map: {
        std::set<std::string> keys;
        for (auto it = node.begin(); it != node.end(); ++it) {
          if (it->first.IsScalar() && !keys.insert(it->first.Scalar()).second)
            fail(it->first.Mark(), fmt::format("duplicate key '{}'", it->first.Scalar()));
          walk(it->second, depth + 1);
        }
        break;
      }
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: break;
    }
  }

 private:
  void substitute(YAML::Node node) {
    const std::string &text = node.Scalar();
    if (!has_env_reference(text)) return;
    try {
      std::string value = substitute_env(text, env_);
      node = value;  // in place: the node keeps its mark and tag
    } catch (const EnvSubstError &e) {
      fail(node.Mark(), e.what());
    }
  }

  [[noreturn]] void fail(const YAML::Mark &m, const std::string &msg) const {
    if (m.is_null()) throw ConfigError(file_, 0, 0, msg);
    throw ConfigError(file_, m.line + 1, m.column + 1, msg);
  }

  const std::string &file_;
  const EnvLookup &env_;
  std::set<int> visited_;
};

}  // namespace

YamlDocument load_yaml_string(const std::string &text, const std::string &name,
                              const EnvLookup &env) {
  YamlDocument doc{YAML::Node(), std::make_shared<const std::string>(name)};
  if (text.size() > kMaxConfigBytes)
    throw ConfigError(name, 0, 0, fmt::format("larger than {} bytes", kMaxConfigBytes));
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception &e) {
    if (e.mark.is_null()) throw ConfigError(name, 0, 0, "YAML syntax error: " + e.msg);
    throw ConfigError(name, e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg);
  }
  if (docs.size() > 1) {
    const YAML::Mark m = docs[1].Mark();
    throw ConfigError(name, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1,
                      "only one YAML document per config file");
  }
  if (docs.empty()) return doc;
  doc.root = docs.front();
  Walker(name, env).walk(doc.root, 0);
  return doc;
}

YamlDocument load_yaml_file(const std::string &path, const EnvLookup &env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, 0, 0, fmt::format("cannot read: {}", std::strerror(errno)));
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes)
      throw ConfigError(path, 0, 0, fmt::format("larger than {} bytes", kMaxConfigBytes));
  }
  if (in.bad()) throw ConfigError(path, 0, 0, "read error");
  return load_yaml_string(text, path, env);
}

}  // namespace trellis::core
