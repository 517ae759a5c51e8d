// SPDX-License-Identifier: Apache-2.0
// JSON for policies, setup keys, routes and DNS settings (records.hpp), the
// default records of a new account, and secret hashing for setup keys/tokens.
#include <openssl/evp.h>

#include <charconv>
#include <limits>
#include <unordered_set>

#include "dns_label.hpp"
#include "json_reader.hpp"
#include "records.hpp"
#include "validate.hpp"

namespace trellis::mgmt {

using nlohmann::json;

namespace {

constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr std::pair<const char *, Protocol> kProtocols[] = {
    {"all", Protocol::all}, {"tcp", Protocol::tcp}, {"udp", Protocol::udp}, {"icmp", Protocol::icmp}};
constexpr std::pair<const char *, PolicyAction> kActions[] = {{"accept", PolicyAction::accept}};
constexpr std::pair<const char *, SetupKeyType> kKeyTypes[] = {{"reusable", SetupKeyType::reusable},
                                                               {"one-off", SetupKeyType::one_off}};

bool parse_port(std::string_view text, uint16_t &out) {
  if (text.empty() || text.size() > 5 || text[0] == '0') return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 65535) {
    return false;
  }
  out = static_cast<uint16_t>(value);
  return true;
}

bool parse_port_range(std::string_view text, PortRange &out) {
  size_t dash = text.find('-');
  PortRange range;
  if (dash == std::string_view::npos) {
    if (!parse_port(text, range.first)) return false;
    range.last = range.first;
  } else if (!parse_port(text.substr(0, dash), range.first) ||
             !parse_port(text.substr(dash + 1), range.last) || range.first > range.last) {
    return false;
  }
  out = range;
  return true;
}

const char *check_port_range(std::string_view text) {
  PortRange ignored;
  if (!parse_port_range(text, ignored)) return "expected \"N\" or \"N-M\" with 1 <= N <= M <= 65535";
  return nullptr;
}

const char *check_domain(std::string_view v) {
  if (!is_valid_domain(v)) return "expected a lowercase domain name";
  return nullptr;
}

}  // namespace

const char *to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::all: return "all";
    case Protocol::tcp: return "tcp";
    case Protocol::udp: return "udp";
    case Protocol::icmp: return "icmp";
  }
  return "all";
}

const char *to_string(SetupKeyType type) {
  return type == SetupKeyType::one_off ? "one-off" : "reusable";
}

const char *to_string(PolicyAction) { return "accept"; }

std::string format(PortRange range) {
  std::string out = std::to_string(range.first);
  if (range.last != range.first) out += "-" + std::to_string(range.last);
  return out;
}

// ---- Policy ----------------------------------------------------------------

json to_json(const Policy &v) {
  json ports = json::array();
  for (PortRange p : v.ports) ports.push_back(format(p));
  return {{"id", v.id},
          {"account", v.account},
          {"name", v.name},
          {"description", v.description},
          {"enabled", v.enabled},
          {"sources", v.sources},
          {"destinations", v.destinations},
          {"protocol", to_string(v.protocol)},
          {"ports", std::move(ports)},
          {"bidirectional", v.bidirectional},
          {"action", to_string(v.action)}};
}

std::string parse(const json &j, Policy &out) {
  std::string error;
  Policy v;
  JsonReader r(j, "policy", error);
  r.string("id", v.id, Need::required, check_id);
  r.string("account", v.account, Need::required, check_id);
  r.string("name", v.name, Need::required, check_name);
  r.string("description", v.description, Need::optional, check_text);
  r.boolean("enabled", v.enabled, Need::optional);
  r.string_list("sources", v.sources, Need::required, check_id, 256);
  r.string_list("destinations", v.destinations, Need::required, check_id, 256);
  read_enum(r, "protocol", v.protocol, Need::optional, kProtocols);
  std::vector<std::string> ports;
  r.string_list("ports", ports, Need::optional, check_port_range, 64, false);
  r.boolean("bidirectional", v.bidirectional, Need::optional);
  read_enum(r, "action", v.action, Need::optional, kActions);
  r.finish();
  if (r.ok() && v.sources.empty()) r.fail("sources", "must name at least one group");
  if (r.ok() && v.destinations.empty()) r.fail("destinations", "must name at least one group");
  if (r.ok() && !ports.empty() && v.protocol != Protocol::tcp && v.protocol != Protocol::udp) {
    r.fail("ports", "only allowed with protocol tcp or udp");
  }
  if (!error.empty()) return error;
  for (const std::string &text : ports) {
    PortRange range;
    parse_port_range(text, range);
    v.ports.push_back(range);
  }
  out = std::move(v);
  return error;
}

// ---- SetupKey --------------------------------------------------------------

json to_json(const SetupKey &v) {
  return {{"id", v.id},
          {"account", v.account},
          {"name", v.name},
          {"hash", v.hash},
          {"type", to_string(v.type)},
          {"expires_ms", v.expires_ms},
          {"usage_limit", v.usage_limit},
          {"used_count", v.used_count},
          {"auto_groups", v.auto_groups},
          {"ephemeral", v.ephemeral},
          {"revoked", v.revoked},
          {"created_ms", v.created_ms}};
}

std::string parse(const json &j, SetupKey &out) {
  std::string error;
  SetupKey v;
  JsonReader r(j, "setup_key", error);
  r.string("id", v.id, Need::required, check_id);
  r.string("account", v.account, Need::required, check_id);
  r.string("name", v.name, Need::required, check_name);
  r.string("hash", v.hash, Need::required, check_sha256_hex);
  read_enum(r, "type", v.type, Need::optional, kKeyTypes);
  r.integer("expires_ms", v.expires_ms, Need::optional, 0, kMaxTime);
  r.integer("usage_limit", v.usage_limit, Need::optional, 0, int64_t{1} << 40);
  r.integer("used_count", v.used_count, Need::optional, 0, int64_t{1} << 40);
  r.string_list("auto_groups", v.auto_groups, Need::optional, check_id, 256);
  r.boolean("ephemeral", v.ephemeral, Need::optional);
  r.boolean("revoked", v.revoked, Need::optional);
  r.integer("created_ms", v.created_ms, Need::optional, 0, kMaxTime);
  r.finish();
  if (r.ok() && v.type == SetupKeyType::one_off && v.usage_limit > 1) {
    r.fail("usage_limit", "a one-off key is used once (omit usage_limit or set it to 1)");
  }
  if (error.empty()) out = std::move(v);
  return error;
}

const char *to_string(SetupKeyState state) {
  switch (state) {
    case SetupKeyState::valid: return "valid";
    case SetupKeyState::revoked: return "revoked";
    case SetupKeyState::expired: return "expired";
    case SetupKeyState::exhausted: return "exhausted";
  }
  return "revoked";
}

SetupKeyState setup_key_state(const SetupKey &key, int64_t now_ms) {
  if (key.revoked) return SetupKeyState::revoked;
  if (key.expires_ms != 0 && now_ms >= key.expires_ms) return SetupKeyState::expired;
  int64_t limit = key.type == SetupKeyType::one_off ? 1 : key.usage_limit;
  if (limit != 0 && key.used_count >= limit) return SetupKeyState::exhausted;
  return SetupKeyState::valid;
}

std::string hash_secret(std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(secret.data(), secret.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return {};  // only on allocation failure inside OpenSSL; "" matches no stored hash
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

// ---- Route -----------------------------------------------------------------

json to_json(const Route &v) {
  return {{"id", v.id},
          {"account", v.account},
          {"network", v.network},
          {"description", v.description},
          {"peer", v.peer},
          {"peer_groups", v.peer_groups},
          {"metric", v.metric},
          {"enabled", v.enabled},
          {"groups", v.groups}};
}

std::string parse(const json &j, Route &out) {
  std::string error;
  Route v;
  JsonReader r(j, "route", error);
  r.string("id", v.id, Need::required, check_id);
  r.string("account", v.account, Need::required, check_id);
  r.string("network", v.network, Need::required, check_routed_prefix);
  r.string("description", v.description, Need::optional, check_text);
  r.string("peer", v.peer, Need::optional, check_id_or_empty);
  r.string_list("peer_groups", v.peer_groups, Need::optional, check_id, 64);
  r.integer("metric", v.metric, Need::optional, 1, 9999);
  r.boolean("enabled", v.enabled, Need::optional);
  r.string_list("groups", v.groups, Need::required, check_id, 256);
  r.finish();
  if (r.ok() && v.peer.empty() == v.peer_groups.empty()) {
    r.fail_here("set exactly one of \"peer\" (a router peer) and \"peer_groups\"");
  }
  if (r.ok() && v.groups.empty()) r.fail("groups", "must name at least one group");
  if (error.empty()) out = std::move(v);
  return error;
}

// ---- DNS -------------------------------------------------------------------

json to_json(const DnsSettings &v) {
  json groups = json::array();
  for (const NameserverGroup &g : v.nameserver_groups) {
    json servers = json::array();
    for (const Nameserver &ns : g.nameservers) servers.push_back({{"ip", ns.ip}, {"port", ns.port}});
    groups.push_back({{"id", g.id},
                      {"name", g.name},
                      {"nameservers", std::move(servers)},
                      {"domains", g.domains},
                      {"groups", g.groups},
                      {"primary", g.primary},
                      {"enabled", g.enabled}});
  }
  return {{"account", v.account}, {"domain", v.domain}, {"nameserver_groups", std::move(groups)}};
}

std::string parse(const json &j, DnsSettings &out) {
  std::string error;
  DnsSettings v;
  JsonReader r(j, "dns", error);
  r.string("account", v.account, Need::required, check_id);
  r.string("domain", v.domain, Need::optional, check_account_domain);
  std::unordered_set<std::string> ids;
  r.object_list("nameserver_groups", Need::optional, 64, [&](JsonReader &g, size_t) {
    NameserverGroup ng;
    g.string("id", ng.id, Need::required, check_id);
    g.string("name", ng.name, Need::required, check_name);
    g.object_list("nameservers", Need::required, 8, [&](JsonReader &s, size_t) {
      Nameserver ns;
      s.string("ip", ns.ip, Need::required, check_ipv4);
      s.integer("port", ns.port, Need::optional, 1, 65535);
      ng.nameservers.push_back(std::move(ns));
    });
    g.string_list("domains", ng.domains, Need::optional, check_domain, 64);
    g.string_list("groups", ng.groups, Need::required, check_id, 256);
    g.boolean("primary", ng.primary, Need::optional);
    g.boolean("enabled", ng.enabled, Need::optional);
    if (!g.ok()) return;
    if (ng.nameservers.empty()) return g.fail("nameservers", "must list at least one server");
    if (ng.groups.empty()) return g.fail("groups", "must name at least one group");
    if (!ng.primary && ng.domains.empty()) {
      return g.fail("domains", "required unless the group is primary");
    }
    if (!ids.insert(ng.id).second) return g.fail("id", "duplicate nameserver group id");
    v.nameserver_groups.push_back(std::move(ng));
  });
  r.finish();
  if (!error.empty()) return error;
  if (v.domain.empty()) v.domain = default_domain(v.account);
  out = std::move(v);
  return error;
}

// ---- A new account's records -----------------------------------------------

std::string all_group_id(std::string_view account) { return std::string(account) + ":all"; }

std::string default_policy_id(std::string_view account) {
  return std::string(account) + ":default";
}

Group make_all_group(std::string_view account) {
  Group g;
  g.id = all_group_id(account);
  g.account = account;
  g.name = "All";
  return g;
}

Policy make_default_policy(std::string_view account) {
  Policy p;
  p.id = default_policy_id(account);
  p.account = account;
  p.name = "Default";
  p.description = "Every peer reaches every other peer; disable to use explicit policies only.";
  p.sources = {all_group_id(account)};
  p.destinations = {all_group_id(account)};
  p.protocol = Protocol::all;
  p.bidirectional = true;
  return p;
}

DnsSettings make_default_dns(std::string_view account) {
  DnsSettings d;
  d.account = account;
  d.domain = default_domain(account);
  return d;
}

}  // namespace trellis::mgmt
