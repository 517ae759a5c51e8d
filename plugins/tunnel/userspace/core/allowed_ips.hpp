// SPDX-License-Identifier: Apache-2.0
// Allowed IPs: a longest-prefix-match table from IPv4 and IPv6 prefixes to a
// peer, one path-compressed binary trie per family. Every node holds a prefix
// (key bits beyond `cidr` zero) and branches on bit number `cidr`; nodes
// without a value exist only where two subtrees diverge, and are removed as
// soon as they have fewer than two children. Lookups walk at most 33 / 129
// nodes and allocate nothing. Used both ways: the destination of an outgoing
// packet picks the peer, and the source of a decrypted packet must map back to
// the peer it came from. `V` is a pointer-like handle; a null V means none.
// Not thread-safe: the owner serialises writers against readers.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "core/ip_packet.hpp"

namespace trellis::wg {

template <typename V>
class AllowedIps {
 public:
  // Insert or re-point a prefix (host bits are cleared first). False if invalid.
  bool insert(const IpPrefix &prefix, V value) {
    if (!prefix.valid() || value == V{}) return false;
    const IpPrefix p = prefix.normalized();
    std::unique_ptr<Node> *slot = &root(p.family);
    const size_t nbits = p.bits();
    for (;;) {
      Node *node = slot->get();
      if (node == nullptr) {
        *slot = make_node(p.addr, p.cidr, value);
        ++size_;
        return true;
      }
      const uint8_t common = static_cast<uint8_t>(
          std::min<size_t>({common_bits(node->key, p.addr, nbits), node->cidr, p.cidr}));
      if (common == node->cidr && node->cidr == p.cidr) {
        if (node->value == V{}) ++size_;
        node->value = value;
        return true;
      }
      if (common == node->cidr) {  // node's prefix covers the new one: descend
        slot = &node->child[bit_at(p.addr, node->cidr)];
        continue;
      }
      std::unique_ptr<Node> old = std::move(*slot);
      if (common == p.cidr) {  // the new prefix covers node: insert above it
        *slot = make_node(p.addr, p.cidr, value);
        (*slot)->child[bit_at(old->key, p.cidr)] = std::move(old);
      } else {  // they diverge at bit `common`: join them under a bare node
        auto glue = make_node(mask(p.addr, common), common, V{});
        const int old_side = bit_at(old->key, common);
        glue->child[old_side] = std::move(old);
        glue->child[1 - old_side] = make_node(p.addr, p.cidr, value);
        *slot = std::move(glue);
      }
      ++size_;
      return true;
    }
  }

  // Remove one exact prefix. False if it was not present.
  bool remove(const IpPrefix &prefix) {
    if (!prefix.valid()) return false;
    const IpPrefix p = prefix.normalized();
    return remove_exact(root(p.family), p, p.bits());
  }

  // Remove every prefix that maps to `value`.
  void remove_value(V value) {
    remove_matching(root4_, value);
    remove_matching(root6_, value);
  }

  // Longest match for an address of 4 or 16 bytes.
  V lookup(uint8_t family, const uint8_t *addr) const {
    const std::unique_ptr<Node> &r = family == 4 ? root4_ : root6_;
    const size_t nbits = family == 4 ? 32 : 128;
    std::array<uint8_t, 16> a{};
    std::memcpy(a.data(), addr, family == 4 ? 4 : 16);
    V best{};
    for (const Node *n = r.get(); n != nullptr;) {
      if (common_bits(n->key, a, nbits) < n->cidr) break;
      if (n->value != V{}) best = n->value;
      if (n->cidr >= nbits) break;
      n = n->child[bit_at(a, n->cidr)].get();
    }
    return best;
  }

  // All prefixes of `value` (IPv4 first, each in trie order).
  std::vector<IpPrefix> list(V value) const {
    std::vector<IpPrefix> out;
    collect(root4_.get(), 4, value, out);
    collect(root6_.get(), 6, value, out);
    return out;
  }

  size_t size() const { return size_; }
  void clear() {
    root4_.reset();
    root6_.reset();
    size_ = 0;
  }

 private:
  struct Node {
    std::array<uint8_t, 16> key{};
    uint8_t cidr = 0;
    V value{};
    std::unique_ptr<Node> child[2];
  };

  std::unique_ptr<Node> &root(uint8_t family) { return family == 4 ? root4_ : root6_; }

  static std::unique_ptr<Node> make_node(const std::array<uint8_t, 16> &key, uint8_t cidr, V value) {
    auto n = std::make_unique<Node>();
    n->key = key;
    n->cidr = cidr;
    n->value = value;
    return n;
  }

  static int bit_at(const std::array<uint8_t, 16> &a, size_t i) { return (a[i / 8] >> (7 - i % 8)) & 1; }

  static std::array<uint8_t, 16> mask(const std::array<uint8_t, 16> &a, size_t cidr) {
    IpPrefix p;
    p.family = 6;
    p.cidr = static_cast<uint8_t>(cidr);
    p.addr = a;
    return p.normalized().addr;
  }

  static size_t common_bits(const std::array<uint8_t, 16> &a, const std::array<uint8_t, 16> &b, size_t nbits) {
    for (size_t i = 0; i * 8 < nbits; ++i) {
      const uint8_t x = a[i] ^ b[i];
      if (x != 0) return std::min(nbits, i * 8 + static_cast<size_t>(std::countl_zero(x)));
    }
    return nbits;
  }

  // A bare node with fewer than two children is pointless: drop or bypass it.
  static void compact(std::unique_ptr<Node> &slot) {
    Node *n = slot.get();
    if (n == nullptr || n->value != V{}) return;
    if (n->child[0] && n->child[1]) return;
    std::unique_ptr<Node> keep = std::move(n->child[0] ? n->child[0] : n->child[1]);
    slot = std::move(keep);
  }

  bool remove_exact(std::unique_ptr<Node> &slot, const IpPrefix &p, size_t nbits) {
    Node *n = slot.get();
    if (n == nullptr || n->cidr > p.cidr || common_bits(n->key, p.addr, nbits) < n->cidr) return false;
    bool removed = false;
    if (n->cidr == p.cidr) {
      if (n->value == V{}) return false;
      n->value = V{};
      --size_;
      removed = true;
    } else {
      removed = remove_exact(n->child[bit_at(p.addr, n->cidr)], p, nbits);
    }
    if (removed) compact(slot);
    return removed;
  }

  void remove_matching(std::unique_ptr<Node> &slot, V value) {
    Node *n = slot.get();
    if (n == nullptr) return;
    remove_matching(n->child[0], value);
    remove_matching(n->child[1], value);
    if (n->value == value) {
      n->value = V{};
      --size_;
    }
    compact(slot);
  }

  static void collect(const Node *n, uint8_t family, V value, std::vector<IpPrefix> &out) {
    if (n == nullptr) return;
    if (n->value == value) {
      IpPrefix p;
      p.family = family;
      p.cidr = n->cidr;
      p.addr = n->key;
      out.push_back(p);
    }
    collect(n->child[0].get(), family, value, out);
    collect(n->child[1].get(), family, value, out);
  }

  std::unique_ptr<Node> root4_;
  std::unique_ptr<Node> root6_;
  size_t size_ = 0;
};

}  // namespace trellis::wg
