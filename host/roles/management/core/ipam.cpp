// SPDX-License-Identifier: Apache-2.0
// Overlay address allocation with a sparse, block-summarised bitmap (ipam.hpp).
#include "ipam.hpp"

#include <bit>

namespace trellis::mgmt {

namespace {

// FNV-1a then the splitmix64 finaliser: cheap, stable across runs and
// platforms, and well spread even for seeds that share long prefixes.
uint64_t seed_hash(std::string_view seed) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : seed) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

}  // namespace

const char *to_string(IpamStatus status) {
  switch (status) {
    case IpamStatus::ok: return "ok";
    case IpamStatus::exhausted: return "no free overlay address left in the account's network";
    case IpamStatus::outside: return "address outside the account's network";
    case IpamStatus::reserved: return "network or broadcast address";
    case IpamStatus::in_use: return "address already in use";
    case IpamStatus::not_tentative: return "address was not reserved";
    case IpamStatus::not_allocated: return "address was not allocated";
  }
  return "unknown";
}

std::optional<Ipam> Ipam::create(std::string_view text, std::string &error) {
  auto prefix = parse_prefix4(text);
  if (!prefix) {
    error = "overlay network \"" + std::string(text) +
            "\": expected an IPv4 prefix a.b.c.d/len with the host bits clear";
    return std::nullopt;
  }
  if (!kOverlaySpace.contains(*prefix)) {
    error = "overlay network " + format(*prefix) + " is not inside 100.64.0.0/10";
    return std::nullopt;
  }
  if (prefix->length > 30) {
    error = "overlay network " + format(*prefix) + " is too small (at most /30)";
    return std::nullopt;
  }
  return Ipam(*prefix);
}

bool Ipam::test(uint32_t offset) const {
  auto it = words_.find(offset / 64);
  return it != words_.end() && (it->second >> (offset % 64) & 1u) != 0;
}

void Ipam::set(uint32_t offset) {
  words_[offset / 64] |= uint64_t{1} << (offset % 64);
  ++block_used_[offset / kBlockBits];
  ++used_;
}

void Ipam::clear(uint32_t offset) {
  auto it = words_.find(offset / 64);
  it->second &= ~(uint64_t{1} << (offset % 64));
  if (it->second == 0) words_.erase(it);
  auto block = block_used_.find(offset / kBlockBits);
  if (--block->second == 0) block_used_.erase(block);
  --used_;
}

uint64_t Ipam::occupied_word(uint32_t word) const {
  auto it = words_.find(word);
  uint64_t bits = it == words_.end() ? 0 : it->second;
  const uint64_t size = prefix_.size();
  if (word == 0) bits |= 1;  // network address
  if (size < 64) {
    bits |= ~uint64_t{0} << size;                // past the end
    bits |= uint64_t{1} << (size - 1);           // broadcast
  } else if (word == (size - 1) / 64) {
    bits |= uint64_t{1} << 63;                   // broadcast
  }
  return bits;
}

std::optional<uint32_t> Ipam::find_free(uint32_t start) const {
  const uint64_t size = prefix_.size();
  const uint32_t words = static_cast<uint32_t>((size + 63) / 64);
  const uint32_t blocks = static_cast<uint32_t>((size + kBlockBits - 1) / kBlockBits);
  const uint32_t block_capacity = static_cast<uint32_t>(size < kBlockBits ? size : kBlockBits);
  uint32_t word = start / 64;
  uint64_t skip_mask = ~uint64_t{0} << (start % 64);  // first word: only bits >= start
  // Visits every block once, plus the start block again for the bits before `start`.
  for (uint32_t visited = 0; visited <= blocks; ++visited) {
    uint32_t block = word / kWordsPerBlock;
    auto full = block_used_.find(block);
    // A block is worth scanning unless all its addresses are taken (the two
    // reserved offsets are not counted in block_used_, so a block holding one of
    // them can never look full; it is then scanned, which is cheap).
    if (full == block_used_.end() || full->second < block_capacity) {
      uint32_t end = std::min(words, (block + 1) * kWordsPerBlock);
      for (uint32_t w = word; w < end; ++w) {
        uint64_t free_bits = ~occupied_word(w) & skip_mask;
        skip_mask = ~uint64_t{0};
        if (free_bits != 0) return w * 64 + static_cast<uint32_t>(std::countr_zero(free_bits));
      }
    }
    skip_mask = ~uint64_t{0};
    uint32_t next_block = block + 1 == blocks ? 0 : block + 1;
    word = next_block * kWordsPerBlock;
  }
  return std::nullopt;
}

IpamStatus Ipam::check_address(Ipv4 ip) const {
  if (!prefix_.contains(ip)) return IpamStatus::outside;
  uint32_t offset = ip.value - prefix_.address.value;
  if (offset == 0 || offset == prefix_.size() - 1) return IpamStatus::reserved;
  return IpamStatus::ok;
}

IpamStatus Ipam::claim(Ipv4 ip) {
  if (IpamStatus s = check_address(ip); s != IpamStatus::ok) return s;
  uint32_t offset = ip.value - prefix_.address.value;
  if (test(offset)) return IpamStatus::in_use;
  set(offset);
  return IpamStatus::ok;
}

IpamResult Ipam::reserve(std::string_view seed) {
  if (used_ >= capacity()) return {IpamStatus::exhausted, {}};
  uint32_t start = static_cast<uint32_t>(seed_hash(seed) % prefix_.size());
  auto offset = find_free(start);
  if (!offset) return {IpamStatus::exhausted, {}};
  set(*offset);
  Ipv4 ip{prefix_.address.value + *offset};
  tentative_.insert(ip.value);
  return {IpamStatus::ok, ip};
}

IpamResult Ipam::reserve_exact(Ipv4 ip) {
  IpamStatus s = claim(ip);
  if (s != IpamStatus::ok) return {s, ip};
  tentative_.insert(ip.value);
  return {IpamStatus::ok, ip};
}

IpamStatus Ipam::commit(Ipv4 ip) {
  return tentative_.erase(ip.value) != 0 ? IpamStatus::ok : IpamStatus::not_tentative;
}

IpamStatus Ipam::release(Ipv4 ip) {
  if (IpamStatus s = check_address(ip); s != IpamStatus::ok) return s;
  uint32_t offset = ip.value - prefix_.address.value;
  if (!test(offset)) return IpamStatus::not_allocated;
  clear(offset);
  tentative_.erase(ip.value);
  return IpamStatus::ok;
}

bool Ipam::in_use(Ipv4 ip) const {
  return check_address(ip) == IpamStatus::ok && test(ip.value - prefix_.address.value);
}

}  // namespace trellis::mgmt
