// SPDX-License-Identifier: Apache-2.0
// Writing maps and deltas as JSON (docs/netmap.md) from compiled Views. A full
// map concatenates cached fragments (peer entries, group address lists, the
// profile's rules and DNS). A delta compares a peer's old View with its new one:
// reach sets word by word, fragments by content, group address lists by the
// per-batch diff computed once per group.
#include <algorithm>
#include <bit>

#include "compiler_state.hpp"
#include "json_writer.hpp"

namespace trellis::mgmt {

using namespace detail;

namespace {

// Networks a router carries for this viewer: via[0] of each route entry.
using Extras = std::vector<std::pair<Idx, std::vector<Prefix4>>>;

Extras routed_extras(const View &v) {
  Extras out;
  for (const ClientRoute &r : v.routes) {
    if (r.via.empty()) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const auto &e) { return e.first == r.via[0]; });
    if (it == out.end()) out.push_back({r.via[0], {r.network}});
    else it->second.push_back(r.network);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<Prefix4> *find_extras(const Extras &e, Idx x) {
  auto it = std::lower_bound(e.begin(), e.end(), x,
                             [](const auto &a, Idx k) { return a.first < k; });
  return it != e.end() && it->first == x ? &it->second : nullptr;
}

void close_entry(std::string &out, const std::vector<Prefix4> *routed) {
  if (routed != nullptr) {
    out += ",\"routed\":[";
    for (size_t i = 0; i < routed->size(); ++i) {
      if (i) out += ',';
      append_prefix_string(out, (*routed)[i]);
    }
    out += ']';
  }
  out += '}';
}

void append_ip_list(std::string &out, const std::vector<Ipv4> &ips) {
  out += '[';
  for (size_t i = 0; i < ips.size(); ++i) {
    if (i) out += ',';
    append_ip_string(out, ips[i]);
  }
  out += ']';
}

}  // namespace

void Compiler::State::render_entry(Idx p) {
  PeerSlot &s = peers[p];
  s.entry.clear();
  s.entry += "{\"id\":";
  append_json_string(s.entry, s.rec.id);
  s.entry += ",\"key\":";
  append_json_string(s.entry, s.rec.public_key);
  s.entry += ",\"ip\":";
  append_ip_string(s.entry, s.ip);
  if (!s.fqdn.empty()) {
    s.entry += ",\"fqdn\":";
    append_json_string(s.entry, s.fqdn);
  }
}

std::string Compiler::State::render_self(Idx p) const {
  const PeerSlot &s = peers[p];
  std::string out = "{\"id\":";
  append_json_string(out, s.rec.id);
  out += ",\"ip\":";
  append_ip_string(out, s.ip);
  out += ",\"network\":";
  append_prefix_string(out, network);
  if (!s.fqdn.empty()) {
    out += ",\"fqdn\":";
    append_json_string(out, s.fqdn);
  }
  if (!s.active) out += ",\"expired\":true";
  out += '}';
  return out;
}

void Compiler::State::write_map(Idx p, std::string &out) const {
  const PeerSlot &slot = peers[p];
  const View &v = slot.view;
  out.clear();
  out += "{\"v\":1,\"serial\":";
  append_uint(out, slot.serial);
  out += ",\"self\":";
  out += v.self_json;
  out += ",\"peers\":[";
  Extras extras = routed_extras(v);
  bool first = true;
  reach_of(p).for_each([&](Idx x) {
    if (!first) out += ',';
    first = false;
    out += peers[x].entry;
    close_entry(out, find_extras(extras, x));
  });
  out += "],\"sets\":{";
  first = true;
  for (Idx g : v.sets) {
    append_key(out, groups[g].rec.id, first);
    out += group_ips_json(g);
  }
  out += "},\"rules\":";
  out += v.profile->part->rules_json;
  out += ",\"routes\":";
  out += v.routes_json;
  out += ",\"serve\":";
  out += v.serve_json;
  out += ",\"dns\":";
  out += v.profile->part->dns_json;
  out += '}';
}

const std::string &Compiler::State::set_diff(Idx g) {
  auto [diff, fresh] = batch.set_diffs.try_emplace(g);
  auto snap = batch.old_ips.find(g);
  if (!fresh || snap == batch.old_ips.end()) return diff->second;
  const std::vector<Ipv4> &was = snap->second, &is = group_ips(g);
  std::vector<Ipv4> added, removed;
  std::set_difference(is.begin(), is.end(), was.begin(), was.end(), std::back_inserter(added));
  std::set_difference(was.begin(), was.end(), is.begin(), is.end(), std::back_inserter(removed));
  if (added.empty() && removed.empty()) return diff->second;
  bool first = true;
  diff->second += '{';
  if (!added.empty()) {
    append_key(diff->second, "add", first);
    append_ip_list(diff->second, added);
  }
  if (!removed.empty()) {
    append_key(diff->second, "del", first);
    append_ip_list(diff->second, removed);
  }
  diff->second += '}';
  return diff->second;
}

std::string Compiler::State::write_delta(Idx p, const View &old, uint64_t base,
                                         uint64_t new_serial) {
  const View &now = peers[p].view;
  std::string body;
  if (&old == &now) {
    // Same View: same reach, rules, routes and self. Only the entries of
    // touched peers it reaches and the contents of changed sets it carries.
    std::string upd;
    Extras extras;
    bool extras_ready = false;
    for (Idx x : batch.touched_list) {
      if (x == p || !peers[x].live) continue;
      bool reached = now.profile->reach.test(x) || (now.own_reach && now.own_reach->test(x));
      auto it = batch.old_peers.find(x);
      if (!reached || it == batch.old_peers.end() || it->second.entry == peers[x].entry) continue;
      if (!extras_ready) {
        extras = routed_extras(now);
        extras_ready = true;
      }
      if (!upd.empty()) upd += ',';
      upd += peers[x].entry;
      close_entry(upd, find_extras(extras, x));
    }
    if (!upd.empty()) body += ",\"peers\":{\"upd\":[" + upd + "]}";
    std::string sets;
    bool first_set = true;
    for (Idx g : batch.dirty_sets) {
      if (!std::binary_search(now.sets.begin(), now.sets.end(), g)) continue;
      const std::string &diff = set_diff(g);
      if (diff.empty()) continue;
      append_key(sets, groups[g].rec.id, first_set);
      sets += diff;
    }
    if (!sets.empty()) body += ",\"sets\":{" + sets + '}';
    if (body.empty()) return body;
    std::string out = "{\"v\":1,\"serial\":";
    append_uint(out, new_serial);
    out += ",\"base\":";
    append_uint(out, base);
    out += body;
    out += '}';
    return out;
  }

  if (old.self_json != now.self_json) {
    body += ",\"self\":";
    body += now.self_json;
  }

  // Peers: reach before and after, word by word, without the peer itself.
  const PeerBits &old_reach = old.profile->reach, &new_reach = now.profile->reach;
  auto before_word = [&](size_t w) {
    uint64_t v = old_reach.word(w) | (old.own_reach ? old.own_reach->word(w) : 0);
    return w == p / 64 ? v & ~(uint64_t{1} << (p % 64)) : v;
  };
  auto after_word = [&](size_t w) {
    uint64_t v = new_reach.word(w) | (now.own_reach ? now.own_reach->word(w) : 0);
    return w == p / 64 ? v & ~(uint64_t{1} << (p % 64)) : v;
  };
  auto in_word = [](uint64_t word, Idx x) { return ((word >> (x % 64)) & 1u) != 0; };
  Extras old_extras = routed_extras(old), new_extras = routed_extras(now);
  std::string add, upd, del;
  std::vector<Idx> updated;
  size_t words = std::max(old_reach.word_count(), new_reach.word_count());
  if (old.own_reach) words = std::max(words, old.own_reach->word_count());
  if (now.own_reach) words = std::max(words, now.own_reach->word_count());
  for (size_t w = 0; w < words; ++w) {
    uint64_t b = before_word(w), a = after_word(w);
    uint64_t common = a & b & batch.touched.word(w);
    for (uint64_t bits = a & ~b; bits; bits &= bits - 1) {
      Idx x = static_cast<Idx>(w * 64 + static_cast<size_t>(std::countr_zero(bits)));
      if (!add.empty()) add += ',';
      add += peers[x].entry;
      close_entry(add, find_extras(new_extras, x));
    }
    for (uint64_t bits = b & ~a; bits; bits &= bits - 1) {
      Idx x = static_cast<Idx>(w * 64 + static_cast<size_t>(std::countr_zero(bits)));
      if (!del.empty()) del += ',';
      append_json_string(del, peers[x].rec.id);
    }
    for (uint64_t bits = common; bits; bits &= bits - 1) {
      Idx x = static_cast<Idx>(w * 64 + static_cast<size_t>(std::countr_zero(bits)));
      auto it = batch.old_peers.find(x);
      if (it != batch.old_peers.end() && it->second.entry != peers[x].entry) updated.push_back(x);
    }
  }
  // A router whose carried networks changed for this viewer.
  for (const Extras *e : {&old_extras, &new_extras}) {
    for (const auto &[x, nets] : *e) {
      if (in_word(before_word(x / 64), x) && in_word(after_word(x / 64), x)) {
        const std::vector<Prefix4> *o = find_extras(old_extras, x), *n = find_extras(new_extras, x);
        bool same = (o == nullptr && n == nullptr) || (o != nullptr && n != nullptr && *o == *n);
        if (!same) updated.push_back(x);
      }
    }
  }
  std::sort(updated.begin(), updated.end());
  updated.erase(std::unique(updated.begin(), updated.end()), updated.end());
  for (Idx x : updated) {
    if (!upd.empty()) upd += ',';
    upd += peers[x].entry;
    close_entry(upd, find_extras(new_extras, x));
  }
  if (!add.empty() || !upd.empty() || !del.empty()) {
    body += ",\"peers\":{";
    bool first = true;
    if (!add.empty()) {
      append_key(body, "add", first);
      body += '[' + add + ']';
    }
    if (!upd.empty()) {
      append_key(body, "upd", first);
      body += '[' + upd + ']';
    }
    if (!del.empty()) {
      append_key(body, "del", first);
      body += '[' + del + ']';
    }
    body += '}';
  }

  // Sets: new ones in full, gone ones as null, changed ones as add/del.
  std::string sets;
  bool first_set = true;
  auto o = old.sets.begin(), n = now.sets.begin();
  while (o != old.sets.end() || n != now.sets.end()) {
    if (n == now.sets.end() || (o != old.sets.end() && *o < *n)) {
      append_key(sets, groups[*o].rec.id, first_set);
      sets += "null";
      ++o;
    } else if (o == old.sets.end() || *n < *o) {
      append_key(sets, groups[*n].rec.id, first_set);
      const std::vector<Ipv4> &ips = group_ips(*n);
      if (ips.empty()) {
        sets += "{}";
      } else {
        sets += "{\"add\":";
        sets += group_ips_json(*n);
        sets += '}';
      }
      ++n;
    } else {
      const std::string &diff = set_diff(*n);
      if (!diff.empty()) {
        append_key(sets, groups[*n].rec.id, first_set);
        sets += diff;
      }
      ++o;
      ++n;
    }
  }
  if (!sets.empty()) body += ",\"sets\":{" + sets + '}';

  const RulePart &was = *old.profile->part, &is = *now.profile->part;
  const bool same_part = &was == &is;
  if (!same_part && was.rules_json != is.rules_json) {
    body += ",\"rules\":";
    body += is.rules_json;
  }
  if (old.routes_json != now.routes_json) body += ",\"routes\":" + now.routes_json;
  if (old.serve_json != now.serve_json) body += ",\"serve\":" + now.serve_json;
  if (!same_part && was.dns_json != is.dns_json) {
    body += ",\"dns\":";
    body += is.dns_json;
  }
  if (body.empty()) return body;

  std::string out = "{\"v\":1,\"serial\":";
  append_uint(out, new_serial);
  out += ",\"base\":";
  append_uint(out, base);
  out += body;
  out += '}';
  return out;
}

}  // namespace trellis::mgmt
