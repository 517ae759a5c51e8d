// SPDX-License-Identifier: Apache-2.0
// Field validators for management records (JsonReader Checks): each returns
// nullptr for an acceptable value or a short static message saying what is
// expected. Also the WireGuard public-key decoder the records and IPAM share.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace trellis::mgmt {

// Record ids: 1..128 of [A-Za-z0-9_.:-].
const char *check_id(std::string_view value);
const char *check_id_or_empty(std::string_view value);
// Display names: 1..256 bytes, no control characters.
const char *check_name(std::string_view value);
// Optional free text (descriptions): up to 1024 bytes, no control characters but \n.
const char *check_text(std::string_view value);
const char *check_email(std::string_view value);
const char *check_email_or_empty(std::string_view value);
// WireGuard public key: standard base64 of exactly 32 bytes (44 characters).
const char *check_public_key(std::string_view value);
// Lowercase hex SHA-256 (64 characters).
const char *check_sha256_hex(std::string_view value);
// An IPv4 address inside 100.64.0.0/10.
const char *check_overlay_ip(std::string_view value);
const char *check_ipv4(std::string_view value);
// A canonical IPv4 prefix (host bits clear) that is not inside 100.64.0.0/10.
const char *check_routed_prefix(std::string_view value);
// A canonical IPv4 prefix inside 100.64.0.0/10, /10 to /30.
const char *check_overlay_prefix(std::string_view value);
// "" or an RFC 1123 label.
const char *check_dns_label_or_empty(std::string_view value);
// "" or a domain name (see is_valid_domain).
const char *check_domain_or_empty(std::string_view value);
// A domain name usable as an account's DNS domain (short enough for labels).
const char *check_account_domain(std::string_view value);
// Event actions such as "peer.add": 1..64 of [a-z0-9_.-].
const char *check_event_action(std::string_view value);
// Short free-form strings (hostnames, OS, versions, OIDC iss/sub): <= 512 bytes, no controls.
const char *check_short_text(std::string_view value);

// Decodes a WireGuard public key; nullopt unless it is canonical base64 of 32 bytes.
std::optional<std::array<uint8_t, 32>> decode_public_key(std::string_view base64);

}  // namespace trellis::mgmt
