// SPDX-License-Identifier: Apache-2.0
// UTF-8 <-> UTF-16 (see text.hpp). Decoding follows RFC 3629 §3: no overlong
// forms, no surrogates, nothing past U+10FFFF.
#include "core/text.hpp"

#include <cstdint>

#include <trellis/plugin.hpp>

namespace trellis::wgnt {
namespace {

constexpr size_t kMaxAdapterName = 127;  // MAX_ADAPTER_NAME (128) minus the NUL
constexpr char32_t kReplacement = 0xfffd;

// Decodes one code point at s[i], advancing i; returns false on invalid input.
bool next_utf8(std::string_view s, size_t &i, char32_t &cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  size_t len;
  char32_t min;
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  } else if ((b0 & 0xe0) == 0xc0) {
    len = 2, min = 0x80, cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, min = 0x800, cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return false;
  }
  if (s.size() - i < len) return false;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xc0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  i += len;
  return true;
}

void put_utf8(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

std::u16string utf8_to_utf16(std::string_view in, const char *what) {
  std::u16string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    char32_t cp;
    if (!next_utf8(in, i, cp))
      throw sdk::Error(TRELLIS_E_INVALID, std::string(what) + ": invalid UTF-8");
    if (cp < 0x10000) {
      out += static_cast<char16_t>(cp);
    } else {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xd800 + (cp >> 10));
      out += static_cast<char16_t>(0xdc00 + (cp & 0x3ff));
    }
  }
  return out;
}

std::string utf16_to_utf8(std::u16string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char32_t cp = in[i];
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < in.size() && in[i + 1] >= 0xdc00 &&
        in[i + 1] <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (in[i + 1] - 0xdc00);
      ++i;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      cp = kReplacement;  // a lone surrogate
    }
    put_utf8(out, cp);
  }
  return out;
}

std::u16string adapter_name(std::string_view utf8, const char *what) {
  std::u16string name = utf8_to_utf16(utf8, what);
  if (name.empty()) throw sdk::Error(TRELLIS_E_INVALID, std::string(what) + ": empty");
  if (name.find(u'\0') != std::u16string::npos)
    throw sdk::Error(TRELLIS_E_INVALID, std::string(what) + ": contains NUL");
  if (name.size() > kMaxAdapterName)
    throw sdk::Error(TRELLIS_E_INVALID, std::string(what) + ": longer than " +
                                            std::to_string(kMaxAdapterName) + " UTF-16 units");
  return name;
}

std::string base64(std::span<const uint8_t> in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = in.size() - i < 3 ? in.size() - i : 3;
    uint32_t v = static_cast<uint32_t>(in[i]) << 16;
    if (n > 1) v |= static_cast<uint32_t>(in[i + 1]) << 8;
    if (n > 2) v |= in[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += n > 1 ? kAlphabet[(v >> 6) & 63] : '=';
    out += n > 2 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

}  // namespace trellis::wgnt
