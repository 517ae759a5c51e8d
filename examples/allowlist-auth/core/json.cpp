// SPDX-License-Identifier: Apache-2.0
// A strict reader for flat JSON objects of strings and a string quoter; see
// json.hpp. RFC 8259 grammar for the parts it accepts.
#include "json.hpp"

#include <cstdint>

namespace trellis::examples::allowlist {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  void skip_ws() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool at_end() const { return pos_ >= in_.size(); }
  char peek() const { return at_end() ? '\0' : in_[pos_]; }
  bool consume(char c) {
    if (peek() != c || at_end()) return false;
    ++pos_;
    return true;
  }

  // RFC 8259 §7: a string, escapes decoded to UTF-8.
  bool string(std::string *out, std::string *error) {
    if (!consume('"')) return fail(error, "expected a string");
    out->clear();
    while (!at_end()) {
      const auto c = static_cast<unsigned char>(in_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return fail(error, "control character in string");
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        continue;
      }
      if (at_end()) break;
      switch (in_[pos_++]) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(&cp)) return fail(error, "bad \\u escape");
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(error, "lone low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (!consume('\\') || !consume('u') || !hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) {
              return fail(error, "lone high surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return fail(error, "bad escape");
      }
    }
    return fail(error, "unterminated string");
  }

 private:
  bool hex4(uint32_t *cp) {
    if (in_.size() - pos_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = in_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    *cp = v;
    return true;
  }

  static void append_utf8(std::string *out, uint32_t cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  static bool fail(std::string *error, const char *what) {
    if (error != nullptr) *error = what;
    return false;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

bool parse_string_object(std::string_view json, std::map<std::string, std::string> *out,
                         std::string *error) {
  out->clear();
  if (!valid_utf8(json)) {
    *error = "not valid UTF-8";
    return false;
  }
  Reader r(json);
  r.skip_ws();
  if (!r.consume('{')) {
    *error = "expected a JSON object";
    return false;
  }
  r.skip_ws();
  if (!r.consume('}')) {
    for (;;) {
      std::string key;
      std::string value;
      r.skip_ws();
      if (!r.string(&key, error)) return false;
      r.skip_ws();
      if (!r.consume(':')) {
        *error = "expected ':' after \"" + key + "\"";
        return false;
      }
      r.skip_ws();
      if (r.peek() != '"') {
        *error = "value of \"" + key + "\" must be a string";
        return false;
      }
      if (!r.string(&value, error)) return false;
      if (!out->emplace(std::move(key), std::move(value)).second) {
        *error = "duplicate key";
        return false;
      }
      r.skip_ws();
      if (r.consume('}')) break;
      if (!r.consume(',')) {
        *error = "expected ',' or '}'";
        return false;
      }
    }
  }
  r.skip_ws();
  if (!r.at_end()) {
    *error = "trailing characters after the object";
    return false;
  }
  return true;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::string json_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace trellis::examples::allowlist
