// SPDX-License-Identifier: Apache-2.0
// Win32 errors and string conversion (see win_error.hpp).
#include "io/win_error.hpp"

#include <trellis/plugin.hpp>

#include "core/text.hpp"

namespace trellis::wgnt::win {

static_assert(sizeof(wchar_t) == sizeof(char16_t), "Windows wchar_t is UTF-16");

std::string message(DWORD err) {
  wchar_t *buf = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                     FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
                                 nullptr, err, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
                                 reinterpret_cast<wchar_t *>(&buf), 0, nullptr);
  std::string text;
  if (n > 0 && buf != nullptr) text = narrow(std::wstring_view(buf, n));
  if (buf != nullptr) LocalFree(buf);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r' || text.back() == '\n'))
    text.pop_back();
  if (text.empty()) text = "unknown error";
  return text + " (error " + std::to_string(err) + ")";
}

trellis_status status_for(DWORD err) {
  switch (err) {
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
      return TRELLIS_E_DENIED;
    case ERROR_NOT_FOUND:
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_MOD_NOT_FOUND:
      return TRELLIS_E_NOT_FOUND;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
      return TRELLIS_E_NOMEM;
    case ERROR_ALREADY_EXISTS:
    case ERROR_OBJECT_ALREADY_EXISTS:
      return TRELLIS_E_EXISTS;
    case ERROR_INVALID_PARAMETER:
      return TRELLIS_E_INVALID;
    default:
      return TRELLIS_E_IO;
  }
}

void fail(std::string_view what, DWORD err) {
  throw sdk::Error(status_for(err), std::string(what) + ": " + message(err));
}

std::wstring wide(std::u16string_view s) { return std::wstring(s.begin(), s.end()); }

std::wstring wide(std::string_view utf8, const char *what) { return wide(utf8_to_utf16(utf8, what)); }

std::string narrow(std::wstring_view s) {
  return utf16_to_utf8(std::u16string_view(reinterpret_cast<const char16_t *>(s.data()), s.size()));
}

}  // namespace trellis::wgnt::win
