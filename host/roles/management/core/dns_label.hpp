// SPDX-License-Identifier: Apache-2.0
// DNS names of peers. A peer's label comes from its hostname, made an RFC 1123
// label (lowercase [a-z0-9-], 1..63, no leading or trailing hyphen), and is
// unique in its account: a second "laptop" becomes "laptop-2", then "laptop-3".
// FQDN = label + "." + the account's DNS domain (default "<account>.trellis").
// DnsLabels is the in-memory registry of one account's labels, rebuilt from the
// stored peers with claim(); the role makes the choice durable with the peer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace trellis::mgmt {

inline constexpr size_t kMaxLabel = 63;
inline constexpr size_t kMaxDomainName = 253;
// Leaves room for a full label and the dot: 253 - 63 - 1.
inline constexpr size_t kMaxAccountDomain = kMaxDomainName - kMaxLabel - 1;

bool is_valid_label(std::string_view label);
// Lowercase labels separated by single dots, no trailing dot, <= 253 bytes.
bool is_valid_domain(std::string_view domain);

// The label for a hostname: its first dot-separated part, lowercased; every run
// of other characters becomes one '-'; trimmed of hyphens, cut to 63. Never
// empty: a hostname with nothing usable gives "peer".
std::string sanitize_label(std::string_view hostname);

// "<label>.<domain>".
std::string make_fqdn(std::string_view label, std::string_view domain);

// "<account id as a label>.trellis".
std::string default_domain(std::string_view account_id);

class DnsLabels {
 public:
  // Records a label already in use (rebuilding from storage, or an admin's
  // explicit choice). False if it is invalid or taken.
  bool claim(std::string_view label);
  // A new unique label for `hostname` (sanitised; suffixed -2, -3... if taken).
  // Suffixes keep counting up past released ones (a name freed a moment ago is
  // not given to another machine while caches may still hold it) and wrap
  // around to reuse them once the range 2..size()+2 is exhausted.
  std::string assign(std::string_view hostname);
  // Frees a label; false if it was not taken.
  bool release(std::string_view label);
  bool taken(std::string_view label) const;
  size_t size() const { return taken_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_set<std::string, Hash, std::equal_to<>> taken_;
  // Per base label, the suffix to try first next time: keeps assigning the
  // thousandth "ubuntu" O(1) instead of probing 999 taken names.
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> next_suffix_;
};

}  // namespace trellis::mgmt
