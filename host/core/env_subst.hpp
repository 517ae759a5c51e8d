// SPDX-License-Identifier: Apache-2.0
// Environment substitution inside config strings, without I/O: the caller
// supplies the lookup. Syntax:
//   ${NAME}           the variable's value; unset is an error
//   ${NAME:-default}  the value, or `default` when unset or empty
//   $${               a literal "${"
// NAME is [A-Za-z_][A-Za-z0-9_]*; a '$' not followed by '{' is literal.
// Defaults are literal text up to the first '}' (no nesting).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace trellis::core {

class EnvSubstError : public std::runtime_error {
 public:
  EnvSubstError(const std::string &message, size_t offset)
      : std::runtime_error(message), offset_(offset) {}
  // Byte offset of the offending "${" in the input.
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string &name)>;

// Returns the input with every reference replaced; throws EnvSubstError.
std::string substitute_env(std::string_view in, const EnvLookup &lookup);

// True if the input contains "${" (a cheap pre-check before substitution).
bool has_env_reference(std::string_view in);

// The process environment (getenv).
EnvLookup process_env();

}  // namespace trellis::core
