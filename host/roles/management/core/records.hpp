// SPDX-License-Identifier: Apache-2.0
// The management records: what the registry stores and the REST API exchanges.
// Each record is a JSON document in a storage collection (kCollection*), owned by
// an account. parse(json, record) validates strictly (unknown fields, wrong types,
// bad values) and returns "" or an error naming the field, e.g.
// "peer.public_key: expected a WireGuard public key (base64 of 32 bytes)";
// to_json(record) writes the same shape. Times are Unix milliseconds (`*_ms`),
// 0 meaning "never"/"unset". Server-managed fields (ids, account, counters) are
// in the same documents: the REST layer fills them before parsing input.
//
// Group membership is stored on the peer (Peer::groups): joining a group writes
// one peer document, never a hot shared group document, and deleting a peer
// leaves no dangling membership. Group::peers is the derived member list the
// API shows (Compiler::group_members fills it); parse() accepts it so a client
// can send a membership list, which the role turns into peer updates.
//
// Every account has an implicit "All" group (id all_group_id(account)) holding
// every peer regardless of Peer::groups, and a default policy All -> All
// bidirectional (id default_policy_id(account)) that the account may disable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace trellis::mgmt {

// Storage collections (trellis_storage_vtable names).
inline constexpr const char *kCollectionAccounts = "accounts";
inline constexpr const char *kCollectionUsers = "users";
inline constexpr const char *kCollectionPeers = "peers";
inline constexpr const char *kCollectionGroups = "groups";
inline constexpr const char *kCollectionPolicies = "policies";
inline constexpr const char *kCollectionSetupKeys = "setup_keys";
inline constexpr const char *kCollectionRoutes = "routes";
inline constexpr const char *kCollectionDns = "dns";
inline constexpr const char *kCollectionTokens = "tokens";

inline constexpr const char *kDefaultNetwork = "100.64.0.0/10";

struct Account {
  std::string id;
  std::string name;
  std::string network = kDefaultNetwork;  // overlay prefix inside 100.64.0.0/10
  int64_t peer_login_expiry_s = 0;        // 0: logins do not expire
  int64_t created_ms = 0;
};

enum class UserRole : uint8_t { admin, user };

struct OidcSubject {
  std::string iss;
  std::string sub;
  friend bool operator==(const OidcSubject &, const OidcSubject &) = default;
};

struct User {
  std::string id;
  std::string account;
  std::string name;
  std::string email;
  UserRole role = UserRole::user;
  OidcSubject subject;  // both empty: not an OIDC user (e.g. a service user)
  bool blocked = false;
  int64_t created_ms = 0;
};

struct PeerMeta {
  std::string hostname;
  std::string os;
  std::string version;
};

struct Peer {
  std::string id;
  std::string account;
  std::string user;        // "" for peers enrolled with a setup key
  std::string public_key;  // WireGuard, base64
  std::string ip;          // overlay address, inside 100.64.0.0/10
  std::string name;
  std::string dns_label;
  std::string fqdn;        // dns_label + "." + account domain (kept with the label)
  std::vector<std::string> groups;
  int64_t last_seen_ms = 0;
  int64_t login_expires_ms = 0;  // 0: never
  bool ephemeral = false;
  bool online = false;
  PeerMeta meta;
};

struct Group {
  std::string id;
  std::string account;
  std::string name;
  std::vector<std::string> peers;  // derived; see the file comment
};

enum class Protocol : uint8_t { all, tcp, udp, icmp };

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  friend bool operator==(PortRange, PortRange) = default;
  friend auto operator<=>(PortRange, PortRange) = default;
};

enum class PolicyAction : uint8_t { accept };

struct Policy {
  std::string id;
  std::string account;
  std::string name;
  std::string description;
  bool enabled = true;
  std::vector<std::string> sources;       // group ids
  std::vector<std::string> destinations;  // group ids
  Protocol protocol = Protocol::all;
  std::vector<PortRange> ports;           // tcp/udp only; empty: every port
  bool bidirectional = true;
  PolicyAction action = PolicyAction::accept;
};

enum class SetupKeyType : uint8_t { reusable, one_off };

struct SetupKey {
  std::string id;
  std::string account;
  std::string name;
  std::string hash;  // sha256 hex of the secret; the secret itself is never stored
  SetupKeyType type = SetupKeyType::reusable;
  int64_t expires_ms = 0;   // 0: never
  int64_t usage_limit = 0;  // 0: unlimited (a one-off key is limited to 1 anyway)
  int64_t used_count = 0;
  std::vector<std::string> auto_groups;
  bool ephemeral = false;
  bool revoked = false;
  int64_t created_ms = 0;
};

struct Route {
  std::string id;
  std::string account;
  std::string network;                  // IPv4 prefix outside the overlay
  std::string description;
  std::string peer;                     // the router, or
  std::vector<std::string> peer_groups; // every member of these groups routes
  int64_t metric = 100;                 // lower wins, 1..9999
  bool enabled = true;
  std::vector<std::string> groups;      // peers in these groups get the route
};

struct Nameserver {
  std::string ip;  // IPv4
  int64_t port = 53;
  friend bool operator==(const Nameserver &, const Nameserver &) = default;
};

struct NameserverGroup {
  std::string id;
  std::string name;
  std::vector<Nameserver> nameservers;
  std::vector<std::string> domains;  // empty: all queries (only with primary)
  std::vector<std::string> groups;   // peers in these groups use it
  bool primary = false;
  bool enabled = true;
};

struct DnsSettings {
  std::string account;  // also the document id in kCollectionDns
  std::string domain;   // e.g. "acme.trellis"; default default_domain(account)
  std::vector<NameserverGroup> nameserver_groups;
};

// An activity-log entry. The storage record carries account, seq and time;
// the document (to_json) is {"actor","action","target","meta"}.
struct Event {
  std::string account;
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::string actor;   // user or peer id, or "system"
  std::string action;  // e.g. "peer.add", "policy.update"
  std::string target;  // id of the record acted on
  nlohmann::json meta = nlohmann::json::object();
};

// A personal access token for the REST API (bearer), stored hashed.
struct Token {
  std::string id;
  std::string account;
  std::string user;
  std::string name;
  std::string hash;  // sha256 hex of the secret
  int64_t expires_ms = 0;
  int64_t created_ms = 0;
  int64_t last_used_ms = 0;
};

const char *to_string(UserRole role);
const char *to_string(Protocol protocol);
const char *to_string(SetupKeyType type);
const char *to_string(PolicyAction action);

nlohmann::json to_json(const Account &v);
nlohmann::json to_json(const User &v);
nlohmann::json to_json(const Peer &v);
nlohmann::json to_json(const Group &v);
nlohmann::json to_json(const Policy &v);
nlohmann::json to_json(const SetupKey &v);
nlohmann::json to_json(const Route &v);
nlohmann::json to_json(const DnsSettings &v);
nlohmann::json to_json(const Event &v);
nlohmann::json to_json(const Token &v);

// Strict parsing: "" on success, else the first error naming its field. `out`
// is only written on success.
std::string parse(const nlohmann::json &j, Account &out);
std::string parse(const nlohmann::json &j, User &out);
std::string parse(const nlohmann::json &j, Peer &out);
std::string parse(const nlohmann::json &j, Group &out);
std::string parse(const nlohmann::json &j, Policy &out);
std::string parse(const nlohmann::json &j, SetupKey &out);
std::string parse(const nlohmann::json &j, Route &out);
std::string parse(const nlohmann::json &j, DnsSettings &out);
std::string parse(const nlohmann::json &j, Event &out);
std::string parse(const nlohmann::json &j, Token &out);

// Same, from text (storage documents, request bodies).
template <typename Record>
std::string parse_text(std::string_view text, Record &out);

// "<account>:all" and "<account>:default".
std::string all_group_id(std::string_view account);
std::string default_policy_id(std::string_view account);
// The records a new account starts with: the All group, the default policy and
// DNS settings with the default domain.
Group make_all_group(std::string_view account);
Policy make_default_policy(std::string_view account);
DnsSettings make_default_dns(std::string_view account);

// "1234" or "1000-2000" (ports 1..65535, first <= last).
std::string format(PortRange range);

// Setup keys and tokens: lowercase hex SHA-256 of a secret.
std::string hash_secret(std::string_view secret);

enum class SetupKeyState : uint8_t { valid, revoked, expired, exhausted };
const char *to_string(SetupKeyState state);
// Whether a login may use `key` at `now_ms` (before counting this use).
SetupKeyState setup_key_state(const SetupKey &key, int64_t now_ms);

}  // namespace trellis::mgmt
