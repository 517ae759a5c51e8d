// SPDX-License-Identifier: Apache-2.0
// Compiler: the network-map and ACL compiler of one account, incremental.
//
// Input is the account's records; output, per peer, the map of docs/netmap.md:
// its own address, the peers it may reach, firewall rules compiled from group
// policies, routes and DNS. A peer reaches another when an enabled policy
// connects their groups in either direction (rules then allow traffic only in
// the policy's direction or directions), or when one routes a network the
// other gets through a route.
//
// Changes arrive as a ChangeBatch (one storage transaction's worth). apply()
// finds the peers whose maps they can touch through its indexes (group ->
// peers, group -> policies and routes, peer -> reach), recompiles only those,
// and returns a ChangeSet: the account's new serial and, per affected peer, a
// delta from the serial that peer last saw, serialised once (peers with the same
// delta share one string, so fan-out costs nothing per stream). Peers with
// identical group memberships share one compiled profile (reach, rules, DNS),
// and reach sets are bitsets over dense peer indexes.
//
// Time is an input (sans-I/O): logins expire at Peer::login_expires_ms, when
// advance_to(now) passes it; next_deadline() says when to call it next.
// Not thread-safe, const members included (they fill caches): the role owns one
// Compiler per account and uses it from its loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "netmap.hpp"
#include "records.hpp"

namespace trellis::mgmt {

struct AccountRecords {
  Account account;
  DnsSettings dns;
  std::vector<Group> groups;
  std::vector<Policy> policies;
  std::vector<Route> routes;
  std::vector<Peer> peers;
};

// Changes applied together, in order, under one new serial. Records must be
// valid (records.hpp parse) and belong to the compiler's account; references
// to unknown ids (a group no record defines, a route's unknown router) are
// allowed and simply match nothing until the record appears.
class ChangeBatch {
 public:
  ChangeBatch &upsert(Peer v);
  ChangeBatch &upsert(Group v);
  ChangeBatch &upsert(Policy v);
  ChangeBatch &upsert(Route v);
  ChangeBatch &set(DnsSettings v);
  ChangeBatch &set(Account v);
  ChangeBatch &remove_peer(std::string id);
  ChangeBatch &remove_group(std::string id);
  ChangeBatch &remove_policy(std::string id);
  ChangeBatch &remove_route(std::string id);
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }

 private:
  friend class Compiler;
  enum class Kind : uint8_t { peer, group, policy, route };
  struct Remove {
    Kind kind;
    std::string id;
  };
  using Op = std::variant<Peer, Group, Policy, Route, DnsSettings, Account, Remove>;
  std::vector<Op> ops_;
};

struct PeerUpdate {
  std::string peer;     // peer id
  uint64_t base = 0;    // the serial this delta applies to
  uint64_t serial = 0;  // the serial after it
  std::shared_ptr<const std::string> delta;  // JSON, shared between equal deltas
};

struct ChangeSet {
  std::string error;    // non-empty: the batch was refused and nothing changed
  uint64_t serial = 0;  // the account's serial after the batch
  std::vector<PeerUpdate> updates;   // existing peers whose map changed
  std::vector<std::string> added;    // new peers: send them a full map
  std::vector<std::string> removed;  // deleted peers: close their streams
  size_t examined = 0;               // peers recompiled to find the updates
  bool ok() const { return error.empty(); }
};

struct CompilerStats {
  size_t peers = 0;
  size_t active_peers = 0;
  size_t groups = 0;
  size_t policies = 0;
  size_t routes = 0;
  size_t profiles = 0;  // distinct compiled profiles in use
};

class Compiler {
 public:
  // A compiler holding every map of `records` at serial 1. nullptr and `error`
  // when a record belongs to another account or the account's network is bad.
  static std::unique_ptr<Compiler> create(AccountRecords records, int64_t now_ms,
                                          std::string &error);
  ~Compiler();
  Compiler(const Compiler &) = delete;
  Compiler &operator=(const Compiler &) = delete;

  ChangeSet apply(const ChangeBatch &batch);
  // Expires logins whose time has come; `now_ms` earlier than before is ignored.
  ChangeSet advance_to(int64_t now_ms);
  // The earliest login expiry still ahead, if any.
  std::optional<int64_t> next_deadline() const;

  uint64_t serial() const;
  bool has_peer(std::string_view id) const;
  // The serial of the peer's current map (what its next delta's base will be).
  std::optional<uint64_t> map_serial(std::string_view peer_id) const;
  // The full map as JSON, written into `out` (cleared first); false for an
  // unknown peer. Cheap: it concatenates cached fragments.
  bool write_map_json(std::string_view peer_id, std::string &out) const;
  std::optional<std::string> map_json(std::string_view peer_id) const;
  // The same map parsed into the agent's model (tests, tools).
  std::optional<PeerMap> map(std::string_view peer_id) const;
  // Live peers in the group (all of them for the All group), sorted by id.
  std::vector<std::string> group_members(std::string_view group_id) const;
  std::vector<std::string> peer_ids() const;
  CompilerStats stats() const;

  struct State;

 private:
  Compiler();
  std::unique_ptr<State> s_;
};

}  // namespace trellis::mgmt
