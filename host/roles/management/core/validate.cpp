// SPDX-License-Identifier: Apache-2.0
// Field validators for management records (see validate.hpp).
#include "validate.hpp"

#include "dns_label.hpp"
#include "ip.hpp"

namespace trellis::mgmt {

namespace {

bool has_control(std::string_view s, bool allow_newline) {
  for (unsigned char c : s) {
    if (c == 0x7f || (c < 0x20 && !(allow_newline && c == '\n'))) return true;
  }
  return false;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

const char *check_id(std::string_view value) {
  if (value.empty() || value.size() > 128) return "expected an id of 1 to 128 characters";
  for (char c : value) {
    bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == ':' || c == '-';
    if (!good) return "an id may contain only letters, digits, '_', '.', ':' and '-'";
  }
  return nullptr;
}

const char *check_id_or_empty(std::string_view value) {
  return value.empty() ? nullptr : check_id(value);
}

const char *check_name(std::string_view value) {
  if (value.empty()) return "must not be empty";
  if (value.size() > 256) return "longer than 256 bytes";
  if (has_control(value, false)) return "contains control characters";
  return nullptr;
}

const char *check_text(std::string_view value) {
  if (value.size() > 1024) return "longer than 1024 bytes";
  if (has_control(value, true)) return "contains control characters";
  return nullptr;
}

const char *check_short_text(std::string_view value) {
  if (value.size() > 512) return "longer than 512 bytes";
  if (has_control(value, false)) return "contains control characters";
  return nullptr;
}

const char *check_email(std::string_view value) {
  if (value.empty() || value.size() > 254) return "expected an e-mail address";
  size_t at = value.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= value.size() ||
      value.find('@', at + 1) != std::string_view::npos) {
    return "expected an e-mail address (local@domain)";
  }
  for (unsigned char c : value) {
    if (c <= 0x20 || c == 0x7f) return "an e-mail address must not contain spaces or controls";
  }
  std::string_view domain = value.substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return "expected an e-mail address (local@domain)";
  }
  return nullptr;
}

std::optional<std::array<uint8_t, 32>> decode_public_key(std::string_view b64) {
  // 32 bytes -> 43 significant characters and one '=' of padding.
  if (b64.size() != 44 || b64[43] != '=') return std::nullopt;
  std::array<uint8_t, 32> out{};
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < 43; ++i) {
    int v = base64_value(b64[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  // The 2 leftover bits of the last character must be zero (canonical form).
  if (n != 32 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

const char *check_public_key(std::string_view value) {
  if (!decode_public_key(value)) return "expected a WireGuard public key (base64 of 32 bytes)";
  return nullptr;
}

const char *check_email_or_empty(std::string_view value) {
  return value.empty() ? nullptr : check_email(value);
}

const char *check_sha256_hex(std::string_view value) {
  if (value.size() != 64) return "expected 64 lowercase hex digits (SHA-256)";
  for (char c : value) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return "expected 64 lowercase hex digits (SHA-256)";
    }
  }
  return nullptr;
}

const char *check_ipv4(std::string_view value) {
  if (!parse_ipv4(value)) return "expected an IPv4 address (a.b.c.d)";
  return nullptr;
}

const char *check_overlay_ip(std::string_view value) {
  auto ip = parse_ipv4(value);
  if (!ip) return "expected an IPv4 address (a.b.c.d)";
  if (!kOverlaySpace.contains(*ip)) return "must be inside 100.64.0.0/10";
  return nullptr;
}

const char *check_routed_prefix(std::string_view value) {
  auto prefix = parse_prefix4(value);
  if (!prefix) return "expected an IPv4 prefix a.b.c.d/len with the host bits clear";
  if (kOverlaySpace.contains(*prefix)) return "must not lie inside the overlay space 100.64.0.0/10";
  return nullptr;
}

const char *check_overlay_prefix(std::string_view value) {
  auto prefix = parse_prefix4(value);
  if (!prefix) return "expected an IPv4 prefix a.b.c.d/len with the host bits clear";
  if (!kOverlaySpace.contains(*prefix)) return "must be inside 100.64.0.0/10";
  if (prefix->length > 30) return "must be /30 or shorter";
  return nullptr;
}

const char *check_dns_label_or_empty(std::string_view value) {
  if (value.empty() || is_valid_label(value)) return nullptr;
  return "expected a DNS label: 1 to 63 of [a-z0-9-], not starting or ending with '-'";
}

const char *check_domain_or_empty(std::string_view value) {
  if (value.empty() || is_valid_domain(value)) return nullptr;
  return "expected a lowercase domain name of labels [a-z0-9-] separated by '.'";
}

const char *check_account_domain(std::string_view value) {
  if (!is_valid_domain(value)) {
    return "expected a lowercase domain name of labels [a-z0-9-] separated by '.'";
  }
  if (value.size() > kMaxAccountDomain) return "too long (at most 189 characters)";
  return nullptr;
}

const char *check_event_action(std::string_view value) {
  if (value.empty() || value.size() > 64) return "expected 1 to 64 of [a-z0-9_.-]";
  for (char c : value) {
    bool good = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                c == '-';
    if (!good) return "expected 1 to 64 of [a-z0-9_.-]";
  }
  return nullptr;
}

}  // namespace trellis::mgmt
