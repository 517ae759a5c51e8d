// SPDX-License-Identifier: Apache-2.0
// substitute_env: one left-to-right pass over the string; see env_subst.hpp for
// the syntax. Values are inserted verbatim and never rescanned, so a variable
// holding "${X}" cannot trigger a second substitution.
#include "core/env_subst.hpp"

#include <cstdlib>

namespace trellis::core {
namespace {

bool name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

bool has_env_reference(std::string_view in) { return in.find("${") != std::string_view::npos; }

std::string substitute_env(std::string_view in, const EnvLookup &lookup) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c != '$') {
      out += c;
      ++i;
      continue;
    }
    if (in.substr(i, 3) == "$${") {
      out += "${";
      i += 3;
      continue;
    }
    if (in.substr(i, 2) != "${") {
      out += c;
      ++i;
      continue;
    }
    const size_t ref = i;
    size_t j = i + 2;
    size_t name_begin = j;
    if (j >= in.size() || !name_start(in[j])) {
      throw EnvSubstError("invalid environment reference: expected a variable name after '${'", ref);
    }
    while (j < in.size() && name_char(in[j])) ++j;
    std::string name(in.substr(name_begin, j - name_begin));
    std::optional<std::string> def;
    if (in.substr(j, 2) == ":-") {
      size_t close = in.find('}', j + 2);
      if (close == std::string_view::npos)
        throw EnvSubstError("unterminated environment reference '${" + name + ":-...'", ref);
      def = std::string(in.substr(j + 2, close - (j + 2)));
      j = close;
    }
    if (j >= in.size() || in[j] != '}') {
      throw EnvSubstError("unterminated or invalid environment reference '${" + name + "'", ref);
    }
    std::optional<std::string> value = lookup(name);
    if (def && (!value || value->empty())) {
      out += *def;
    } else if (value) {
      out += *value;
    } else {
      throw EnvSubstError("environment variable '" + name + "' is not set (use ${" + name +
                              ":-default} to give a default)",
                          ref);
    }
    i = j + 1;
  }
  return out;
}

EnvLookup process_env() {
  return [](const std::string &name) -> std::optional<std::string> {
    const char *v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

}  // namespace trellis::core
