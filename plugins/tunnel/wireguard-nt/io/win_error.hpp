// SPDX-License-Identifier: Apache-2.0
// Win32 error codes to Trellis statuses and readable text, and UTF-8 <->
// wchar_t strings for the wide Windows APIs. Windows only.
#pragma once

#include <windows.h>

#include <string>
#include <string_view>

#include <trellis/plugin.h>

namespace trellis::wgnt::win {

// "Access is denied. (error 5)": the system's message in UTF-8, trimmed.
std::string message(DWORD err);

// A status for a Win32 error: DENIED, NOT_FOUND, NOMEM, EXISTS, else IO.
trellis_status status_for(DWORD err);

// Throws sdk::Error(status_for(err), "<what>: <message(err)>").
[[noreturn]] void fail(std::string_view what, DWORD err);

std::wstring wide(std::u16string_view s);
std::wstring wide(std::string_view utf8, const char *what);  // TRELLIS_E_INVALID if not UTF-8
std::string narrow(std::wstring_view s);

}  // namespace trellis::wgnt::win
