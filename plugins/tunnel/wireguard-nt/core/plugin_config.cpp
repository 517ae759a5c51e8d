// SPDX-License-Identifier: Apache-2.0
// Plugin configuration parsing (see plugin_config.hpp). The JSON grammar is
// RFC 8259's, restricted to one object whose member values are scalars.
#include "core/plugin_config.hpp"

#include <cstdint>
#include <set>

#include <trellis/plugin.hpp>

#include "core/text.hpp"

namespace trellis::wgnt {
namespace {

struct Scalar {
  enum class Kind { kString, kBool, kNumber, kNull } kind = Kind::kNull;
  std::string text;  // the string's value, or the number's literal
  bool boolean = false;
};

[[noreturn]] void invalid(const std::string &why) {
  throw sdk::Error(TRELLIS_E_INVALID, "wireguard-nt config: " + why);
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  template <typename OnMember>
  void parse_object(OnMember &&on_member) {
    skip_ws();
    expect('{');
    skip_ws();
    if (peek() == '}') {
      ++i_;
    } else {
      for (;;) {
        skip_ws();
        if (peek() != '"') fail("expected a key");
        std::string key = parse_string();
        skip_ws();
        expect(':');
        skip_ws();
        on_member(key, parse_scalar(key));
        skip_ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        break;
      }
    }
    skip_ws();
    if (i_ != s_.size()) fail("trailing characters");
  }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  [[noreturn]] void fail(const std::string &why) const {
    invalid("malformed JSON at offset " + std::to_string(i_) + ": " + why);
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool take(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  unsigned hex4() {
    if (s_.size() - i_ < 4) fail("short \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }

  std::string parse_string() {
    expect('"');
    std::u16string escaped_run;  // \u escapes, joined so surrogate pairs combine
    std::string out;
    auto flush = [&] {
      out += utf16_to_utf8(escaped_run);
      escaped_run.clear();
    };
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        flush();
        out += c;
        continue;
      }
      const char e = peek();
      ++i_;
      if (e == 'u') {
        escaped_run += static_cast<char16_t>(hex4());
        continue;
      }
      flush();
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        default: fail("bad escape");
      }
    }
    flush();
    utf8_to_utf16(out, "string value");  // rejects invalid UTF-8 in the raw bytes
    return out;
  }

  Scalar parse_scalar(const std::string &key) {
    Scalar v;
    const char c = peek();
    if (c == '"') {
      v.kind = Scalar::Kind::kString;
      v.text = parse_string();
    } else if (take("true")) {
      v.kind = Scalar::Kind::kBool;
      v.boolean = true;
    } else if (take("false")) {
      v.kind = Scalar::Kind::kBool;
    } else if (take("null")) {
      v.kind = Scalar::Kind::kNull;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = Scalar::Kind::kNumber;
      const size_t start = i_;
      if (peek() == '-') ++i_;
      const size_t digits = i_;
      while (peek() >= '0' && peek() <= '9') ++i_;
      if (i_ == digits) fail("bad number");
      if (s_[digits] == '0' && i_ - digits > 1) fail("leading zero");
      if (peek() == '.' || peek() == 'e' || peek() == 'E') invalid(key + ": expected an integer");
      v.text = std::string(s_.substr(start, i_ - start));
    } else if (c == '{' || c == '[') {
      invalid(key + ": expected a string, boolean or integer, not " +
              (c == '{' ? "an object" : "a list"));
    } else {
      fail("expected a value");
    }
    return v;
  }

  std::string_view s_;
  size_t i_ = 0;
};

std::string require_string(const std::string &key, const Scalar &v) {
  if (v.kind != Scalar::Kind::kString) invalid(key + ": expected a string");
  return v.text;
}

uint32_t require_u32(const std::string &key, const Scalar &v, uint32_t max) {
  if (v.kind != Scalar::Kind::kNumber) invalid(key + ": expected an integer");
  if (v.text[0] == '-') invalid(key + ": must not be negative");
  uint64_t n = 0;
  for (char c : v.text) {
    n = n * 10 + static_cast<uint64_t>(c - '0');
    if (n > max) invalid(key + ": at most " + std::to_string(max));
  }
  return static_cast<uint32_t>(n);
}

}  // namespace

PluginConfig parse_plugin_config(std::string_view json) {
  PluginConfig cfg;
  std::set<std::string> seen;
  Parser(json).parse_object([&](const std::string &key, const Scalar &v) {
    if (!seen.insert(key).second) invalid("duplicate key \"" + key + "\"");
    if (key != "adapter_pool" && key != "dll_path" && key != "guid" && key != "driver_log" &&
        key != "poll_interval_ms")
      invalid("unknown key \"" + key +
              "\" (known: adapter_pool, dll_path, guid, driver_log, poll_interval_ms)");
    if (v.kind == Scalar::Kind::kNull) return;
    if (key == "adapter_pool") {
      cfg.adapter_pool = require_string(key, v);
      adapter_name(cfg.adapter_pool, "wireguard-nt config: adapter_pool");
    } else if (key == "dll_path") {
      cfg.dll_path = require_string(key, v);
      if (cfg.dll_path->empty()) invalid("dll_path: empty");
      if (cfg.dll_path->find('\0') != std::string::npos) invalid("dll_path: contains NUL");
    } else if (key == "guid") {
      cfg.guid = parse_guid(require_string(key, v));
      if (!cfg.guid) invalid("guid: expected {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}");
    } else if (key == "driver_log") {
      if (v.kind != Scalar::Kind::kBool) invalid(key + ": expected true or false");
      cfg.driver_log = v.boolean;
    } else {
      cfg.poll_interval_ms = require_u32(key, v, kMaxPollIntervalMs);
    }
  });
  return cfg;
}

}  // namespace trellis::wgnt
