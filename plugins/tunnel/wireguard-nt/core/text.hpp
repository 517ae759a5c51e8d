// SPDX-License-Identifier: Apache-2.0
// Text conversions the Windows side needs, kept portable so they are tested on
// Linux: UTF-8 (config, logs, error text) to UTF-16 (every wide Windows API,
// adapter names among them) and back. Invalid input is rejected on the way in
// (TRELLIS_E_INVALID naming `what`) and replaced with U+FFFD on the way out,
// since driver log lines and system messages must never make logging fail.
// Also base64, for naming public keys in messages the way `wg` does.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace trellis::wgnt {

std::u16string utf8_to_utf16(std::string_view in, const char *what);
std::string utf16_to_utf8(std::u16string_view in);

// An adapter name or pool name as WireGuardCreateAdapter takes it: non-empty,
// no NUL, at most 127 UTF-16 units (MAX_ADAPTER_NAME - 1).
std::u16string adapter_name(std::string_view utf8, const char *what);

// Standard base64 with padding (RFC 4648 §4), how WireGuard prints public keys.
std::string base64(std::span<const uint8_t> bytes);

}  // namespace trellis::wgnt
