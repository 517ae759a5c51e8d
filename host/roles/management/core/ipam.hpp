// SPDX-License-Identifier: Apache-2.0
// Ipam: overlay IPv4 address allocation for one account, inside a prefix of
// 100.64.0.0/10 (the whole /10 by default; /10 to /30). Pure and in memory: the
// role rebuilds it from stored peers with claim(), then allocates in two steps so
// an address becomes durable only with the peer that holds it:
//
//   auto r = ipam.reserve(public_key);     // tentative: nobody else gets it
//   ... storage transaction writes the peer with r.ip ...
//   committed ? ipam.commit(r.ip) : ipam.release(r.ip);
//
// Choice is deterministic but spread: the probe starts at a hash of the seed
// (the peer's public key), so a peer that re-registers tends to get its old
// address back, and then takes the next free address. The network and broadcast
// addresses of the prefix are never handed out. Occupancy is a sparse bitmap of
// 64-bit words with a used count per 4096-address block, so probing skips full
// blocks and memory grows with the number of peers, not the prefix size.
// Not thread-safe: the role uses it from its loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "ip.hpp"

namespace trellis::mgmt {

enum class IpamStatus : uint8_t {
  ok,
  exhausted,     // no free address left in the prefix
  outside,       // the address is not in the prefix
  reserved,      // network or broadcast address of the prefix
  in_use,        // already reserved or committed
  not_tentative, // commit of an address that was not reserved
  not_allocated, // release of a free address
};
const char *to_string(IpamStatus status);

struct IpamResult {
  IpamStatus status = IpamStatus::ok;
  Ipv4 ip;
  bool ok() const { return status == IpamStatus::ok; }
};

class Ipam {
 public:
  // The prefix must be canonical, inside 100.64.0.0/10 and /10../30; otherwise
  // nullopt and `error` says why.
  static std::optional<Ipam> create(std::string_view prefix, std::string &error);

  // Marks a stored peer's address as committed (rebuilding). ok, outside,
  // reserved or in_use.
  IpamStatus claim(Ipv4 ip);
  // A free address, held tentatively until commit() or release().
  IpamResult reserve(std::string_view seed);
  // Same, but the given address if it is free (a peer asking for its old one).
  IpamResult reserve_exact(Ipv4 ip);
  IpamStatus commit(Ipv4 ip);
  // Frees a tentative or committed address.
  IpamStatus release(Ipv4 ip);

  bool in_use(Ipv4 ip) const;
  bool tentative(Ipv4 ip) const { return tentative_.count(ip.value) != 0; }
  const Prefix4 &prefix() const { return prefix_; }
  // Usable addresses: the prefix size minus network and broadcast.
  uint64_t capacity() const { return prefix_.size() - 2; }
  // Tentative plus committed.
  uint64_t used() const { return used_; }

 private:
  explicit Ipam(Prefix4 prefix) : prefix_(prefix) {}

  static constexpr uint32_t kBlockBits = 4096;
  static constexpr uint32_t kWordsPerBlock = kBlockBits / 64;

  // Offsets are relative to the prefix's network address.
  bool test(uint32_t offset) const;
  void set(uint32_t offset);
  void clear(uint32_t offset);
  // The word's occupancy including the never-used network/broadcast offsets
  // and, for prefixes smaller than a word, the bits past the end.
  uint64_t occupied_word(uint32_t word) const;
  std::optional<uint32_t> find_free(uint32_t start) const;
  IpamStatus check_address(Ipv4 ip) const;

  Prefix4 prefix_;
  uint64_t used_ = 0;
  std::unordered_map<uint32_t, uint64_t> words_;        // word index -> bits; absent = 0
  std::unordered_map<uint32_t, uint32_t> block_used_;   // block index -> set bits
  std::unordered_set<uint32_t> tentative_;              // addresses (host order)
};

}  // namespace trellis::mgmt
