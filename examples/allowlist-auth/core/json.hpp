// SPDX-License-Identifier: Apache-2.0
// The little JSON this plugin needs, with no dependency beyond the standard
// library: reading a flat object whose values are all strings (the plugin's
// config, the auth request's context) and writing quoted strings (the identity
// it returns). Strict: anything else is an error with a short reason.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace trellis::examples::allowlist {

// Parses `{"k": "v", ...}` (JSON strings with every escape, surrogate pairs
// included) into out. Fails on other value types, duplicate keys, trailing
// bytes or invalid UTF-8, returning false with a reason in *error.
bool parse_string_object(std::string_view json, std::map<std::string, std::string> *out,
                         std::string *error);

// True when s is well-formed UTF-8 (no overlongs, surrogates or code points
// past U+10FFFF).
bool valid_utf8(std::string_view s);

// s as a JSON string literal, quotes included. s must be valid UTF-8.
std::string json_quote(std::string_view s);

}  // namespace trellis::examples::allowlist
