// SPDX-License-Identifier: Apache-2.0
// Prefix and endpoint helpers shared by the codec and the Windows IP Helper
// code: validation (an invalid prefix is TRELLIS_E_INVALID, never an assert),
// canonical form (host bits cleared, as routes and allowed IPs need), text for
// error messages, and the set difference that turns "replace all addresses"
// or "replace all routes" into the deletions and creations Windows wants.
#pragma once

#include <string>
#include <vector>

#include "core/model.hpp"

namespace trellis::wgnt {

// Throws sdk::Error(TRELLIS_E_INVALID) naming `what` when family is not 4/6
// or prefix_len is out of range, or bytes past the family's length are set.
void validate_prefix(const IpPrefix &p, const char *what);
void validate_endpoint(const Endpoint &e, const char *what);

// p with every bit past prefix_len cleared.
IpPrefix canonical(const IpPrefix &p);

// fe80::/10 and 169.254.0.0/16: addresses Windows configures by itself.
bool is_link_local(const IpPrefix &p);

// "100.64.0.1/10", "fd00::1/64" (RFC 5952 text); "203.0.113.5:51820", "[2001:db8::1]:443".
std::string to_string(const IpPrefix &p);
std::string to_string(const Endpoint &e);

struct PrefixDiff {
  std::vector<IpPrefix> remove;  // in current, not desired
  std::vector<IpPrefix> add;     // desired, not current
};
// Both inputs may be unsorted and hold duplicates; outputs are sorted and
// unique. An address present with another prefix length is removed and added.
PrefixDiff diff_prefixes(std::vector<IpPrefix> current, std::vector<IpPrefix> desired);

}  // namespace trellis::wgnt
