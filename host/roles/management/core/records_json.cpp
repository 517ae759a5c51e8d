// SPDX-License-Identifier: Apache-2.0
// JSON for accounts, users, peers, groups, events and tokens (records.hpp);
// policies, setup keys, routes and DNS settings are in records_policy.cpp.
#include <limits>

#include "dns_label.hpp"
#include "json_reader.hpp"
#include "records.hpp"
#include "validate.hpp"

namespace trellis::mgmt {

using nlohmann::json;

namespace {

constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr std::pair<const char *, UserRole> kRoles[] = {{"admin", UserRole::admin},
                                                        {"user", UserRole::user}};

const char *check_nonempty_short(std::string_view v) {
  if (v.empty()) return "must not be empty";
  return check_short_text(v);
}

}  // namespace

const char *to_string(UserRole role) { return role == UserRole::admin ? "admin" : "user"; }

// ---- Account ---------------------------------------------------------------

json to_json(const Account &v) {
  return {{"id", v.id},
          {"name", v.name},
          {"network", v.network},
          {"peer_login_expiry_s", v.peer_login_expiry_s},
          {"created_ms", v.created_ms}};
}

std::string parse(const json &j, Account &out) {
  std::string error;
  Account v;
  JsonReader r(j, "account", error);
  r.string("id", v.id, Need::required, check_id);
  r.string("name", v.name, Need::required, check_name);
  r.string("network", v.network, Need::optional, check_overlay_prefix);
  r.integer("peer_login_expiry_s", v.peer_login_expiry_s, Need::optional, 0,
            int64_t{10} * 366 * 24 * 3600);
  r.integer("created_ms", v.created_ms, Need::optional, 0, kMaxTime);
  r.finish();
  if (error.empty()) out = std::move(v);
  return error;
}

// ---- User ------------------------------------------------------------------

json to_json(const User &v) {
  json j = {{"id", v.id},       {"account", v.account}, {"name", v.name},
            {"email", v.email}, {"role", to_string(v.role)}, {"blocked", v.blocked},
            {"created_ms", v.created_ms}};
  if (!v.subject.iss.empty() || !v.subject.sub.empty()) {
    j["subject"] = {{"iss", v.subject.iss}, {"sub", v.subject.sub}};
  }
  return j;
}

std::string parse(const json &j, User &out) {
  std::string error;
  User v;
  JsonReader r(j, "user", error);
  r.string("id", v.id, Need::required, check_id);
  r.string("account", v.account, Need::required, check_id);
  r.string("name", v.name, Need::optional, check_short_text);
  r.string("email", v.email, Need::optional, check_email_or_empty);
  read_enum(r, "role", v.role, Need::optional, kRoles);
  r.object("subject", Need::optional, [&](JsonReader &s) {
    s.string("iss", v.subject.iss, Need::required, check_nonempty_short);
    s.string("sub", v.subject.sub, Need::required, check_nonempty_short);
  });
  r.boolean("blocked", v.blocked, Need::optional);
  r.integer("created_ms", v.created_ms, Need::optional, 0, kMaxTime);
  r.finish();
  if (error.empty()) out = std::move(v);
  return error;
}

// ---- Peer ------------------------------------------------------------------

json to_json(const Peer &v) {
  return {{"id", v.id},
          {"account", v.account},
          {"user", v.user},
          {"public_key", v.public_key},
          {"ip", v.ip},
          {"name", v.name},
          {"dns_label", v.dns_label},
          {"fqdn", v.fqdn},
          {"groups", v.groups},
          {"last_seen_ms", v.last_seen_ms},
          {"login_expires_ms", v.login_expires_ms},
          {"ephemeral", v.ephemeral},
          {"online", v.online},
          {"meta", {{"hostname", v.meta.hostname}, {"os", v.meta.os}, {"version", v.meta.version}}}};
}

std::string parse(const json &j, Peer &out) {
  std::string error;
  Peer v;
  JsonReader r(j, "peer", error);
  r.string("id", v.id, Need::required, check_id);
  r.string("account", v.account, Need::required, check_id);
  r.string("user", v.user, Need::optional, check_id_or_empty);
  r.string("public_key", v.public_key, Need::required, check_public_key);
  r.string("ip", v.ip, Need::required, check_overlay_ip);
  r.string("name", v.name, Need::optional, check_short_text);
  r.string("dns_label", v.dns_label, Need::optional, check_dns_label_or_empty);
  r.string("fqdn", v.fqdn, Need::optional, check_domain_or_empty);
  r.string_list("groups", v.groups, Need::optional, check_id, 1024);
  r.integer("last_seen_ms", v.last_seen_ms, Need::optional, 0, kMaxTime);
  r.integer("login_expires_ms", v.login_expires_ms, Need::optional, 0, kMaxTime);
  r.boolean("ephemeral", v.ephemeral, Need::optional);
  r.boolean("online", v.online, Need::optional);
  r.object("meta", Need::optional, [&](JsonReader &m) {
    m.string("hostname", v.meta.hostname, Need::optional, check_short_text);
    m.string("os", v.meta.os, Need::optional, check_short_text);
    m.string("version", v.meta.version, Need::optional, check_short_text);
  });
  r.finish();
  if (r.ok() && !v.fqdn.empty()) {
    if (v.dns_label.empty()) {
      r.fail("fqdn", "requires dns_label");
    } else if (v.fqdn.size() <= v.dns_label.size() + 1 ||
               v.fqdn.compare(0, v.dns_label.size(), v.dns_label) != 0 ||
               v.fqdn[v.dns_label.size()] != '.') {
      r.fail("fqdn", "must be dns_label followed by the account domain");
    }
  }
  if (error.empty()) out = std::move(v);
  return error;
}

// ---- Group -----------------------------------------------------------------

json to_json(const Group &v) {
  json j = {{"id", v.id}, {"account", v.account}, {"name", v.name}};
  if (!v.peers.empty()) j["peers"] = v.peers;
  return j;
}

std::string parse(const json &j, Group &out) {
  std::string error;
  Group v;
  JsonReader r(j, "group", error);
  r.string("id", v.id, Need::required, check_id);
  r.string("account", v.account, Need::required, check_id);
  r.string("name", v.name, Need::required, check_name);
  r.string_list("peers", v.peers, Need::optional, check_id, 1u << 20);
  r.finish();
  if (error.empty()) out = std::move(v);
  return error;
}

// ---- Event -----------------------------------------------------------------

json to_json(const Event &v) {
  return {{"actor", v.actor}, {"action", v.action}, {"target", v.target}, {"meta", v.meta}};
}

std::string parse(const json &j, Event &out) {
  std::string error;
  Event v;
  JsonReader r(j, "event", error);
  r.string("actor", v.actor, Need::required, check_nonempty_short);
  r.string("action", v.action, Need::required, check_event_action);
  r.string("target", v.target, Need::optional, check_short_text);
  r.any_object("meta", v.meta, Need::optional);
  r.finish();
  if (error.empty()) {
    // Keep what the store assigned; the document does not carry it.
    v.account = std::move(out.account);
    v.seq = out.seq;
    v.time_ms = out.time_ms;
    out = std::move(v);
  }
  return error;
}

// ---- Token -----------------------------------------------------------------

json to_json(const Token &v) {
  return {{"id", v.id},
          {"account", v.account},
          {"user", v.user},
          {"name", v.name},
          {"hash", v.hash},
          {"expires_ms", v.expires_ms},
          {"created_ms", v.created_ms},
          {"last_used_ms", v.last_used_ms}};
}

std::string parse(const json &j, Token &out) {
  std::string error;
  Token v;
  JsonReader r(j, "token", error);
  r.string("id", v.id, Need::required, check_id);
  r.string("account", v.account, Need::required, check_id);
  r.string("user", v.user, Need::required, check_id);
  r.string("name", v.name, Need::required, check_name);
  r.string("hash", v.hash, Need::required, check_sha256_hex);
  r.integer("expires_ms", v.expires_ms, Need::optional, 0, kMaxTime);
  r.integer("created_ms", v.created_ms, Need::optional, 0, kMaxTime);
  r.integer("last_used_ms", v.last_used_ms, Need::optional, 0, kMaxTime);
  r.finish();
  if (error.empty()) out = std::move(v);
  return error;
}

// ---- Text ------------------------------------------------------------------

template <typename Record>
std::string parse_text(std::string_view text, Record &out) {
  std::string error;
  json j = parse_json_text(text, "document", error);
  if (!error.empty()) return error;
  return parse(j, out);
}

template std::string parse_text(std::string_view, Account &);
template std::string parse_text(std::string_view, User &);
template std::string parse_text(std::string_view, Peer &);
template std::string parse_text(std::string_view, Group &);
template std::string parse_text(std::string_view, Policy &);
template std::string parse_text(std::string_view, SetupKey &);
template std::string parse_text(std::string_view, Route &);
template std::string parse_text(std::string_view, DnsSettings &);
template std::string parse_text(std::string_view, Event &);
template std::string parse_text(std::string_view, Token &);

}  // namespace trellis::mgmt
