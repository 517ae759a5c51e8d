// SPDX-License-Identifier: Apache-2.0
// PeerBits: a set of dense peer indexes as a growable bitset. The compiler's
// group memberships and reach sets are PeerBits, so a union is a word-wise OR
// and a 10,000-peer set costs 1.25 KB. Missing high words read as zero, so sets
// sized before the account grew still combine correctly.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trellis::mgmt {

class PeerBits {
 public:
  bool test(uint32_t i) const {
    size_t w = i / 64;
    return w < words_.size() && ((words_[w] >> (i % 64)) & 1u) != 0;
  }
  void set(uint32_t i) {
    size_t w = i / 64;
    if (w >= words_.size()) words_.resize(w + 1, 0);
    words_[w] |= uint64_t{1} << (i % 64);
  }
  void reset(uint32_t i) {
    size_t w = i / 64;
    if (w < words_.size()) words_[w] &= ~(uint64_t{1} << (i % 64));
  }
  void clear() { words_.clear(); }
  PeerBits &operator|=(const PeerBits &o) {
    if (o.words_.size() > words_.size()) words_.resize(o.words_.size(), 0);
    for (size_t w = 0; w < o.words_.size(); ++w) words_[w] |= o.words_[w];
    return *this;
  }
  PeerBits &operator&=(const PeerBits &o) {
    if (words_.size() > o.words_.size()) words_.resize(o.words_.size());
    for (size_t w = 0; w < words_.size(); ++w) words_[w] &= o.words_[w];
    return *this;
  }
  bool any() const {
    return std::any_of(words_.begin(), words_.end(), [](uint64_t w) { return w != 0; });
  }
  size_t count() const {
    size_t n = 0;
    for (uint64_t w : words_) n += static_cast<size_t>(std::popcount(w));
    return n;
  }
  // Calls fn(index) for each member, in increasing order.
  template <typename Fn>
  void for_each(Fn &&fn) const {
    for (size_t w = 0; w < words_.size(); ++w) {
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        fn(static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits))));
      }
    }
  }
  size_t word_count() const { return words_.size(); }
  uint64_t word(size_t w) const { return w < words_.size() ? words_[w] : 0; }
  size_t memory() const { return words_.capacity() * sizeof(uint64_t); }
  friend bool operator==(const PeerBits &a, const PeerBits &b) {
    size_t n = std::max(a.words_.size(), b.words_.size());
    for (size_t w = 0; w < n; ++w) {
      if (a.word(w) != b.word(w)) return false;
    }
    return true;
  }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace trellis::mgmt
