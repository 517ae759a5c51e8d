// SPDX-License-Identifier: Apache-2.0
// The allowlist auth instance: config, token-file refresh and asynchronous
// answers; see allowlist_auth.hpp for the states.
#include "allowlist_auth.hpp"

#include "core/json.hpp"

#include <cstring>
#include <utility>

namespace trellis::examples::allowlist {
namespace {

constexpr const char *kCredentialType = "bearer";
constexpr const char *kDenied = "unknown token";
constexpr const char *kUnavailable = "token list unavailable";

std::string config_file(const char *config_json) {
  std::map<std::string, std::string> config;
  std::string error;
  if (!parse_string_object(config_json != nullptr ? config_json : "{}", &config, &error)) {
    throw sdk::Error(TRELLIS_E_INVALID, "allowlist: config: " + error);
  }
  for (const auto &[key, value] : config) {
    if (key != "file") throw sdk::Error(TRELLIS_E_INVALID, "allowlist: config: unknown key \"" + key + "\"");
  }
  const auto it = config.find("file");
  if (it == config.end() || it->second.empty()) {
    throw sdk::Error(TRELLIS_E_INVALID, "allowlist: config: \"file\" (path of the token file) is required");
  }
  if (it->second.front() != '/') {
    throw sdk::Error(TRELLIS_E_INVALID, "allowlist: config: \"file\" must be an absolute path");
  }
  return it->second;
}

// The caller's address, if the host said, for the log line of a denial.
std::string remote_of(const char *context_json) {
  if (context_json == nullptr) return {};
  std::map<std::string, std::string> context;
  std::string error;
  if (!parse_string_object(context_json, &context, &error)) return {};
  const auto it = context.find("remote_addr");
  return it != context.end() && valid_utf8(it->second) ? it->second : std::string();
}

}  // namespace

AllowlistAuth::AllowlistAuth(const trellis_create_params &params)
    : ctx_(params.ctx), log_(params.ctx), file_(config_file(params.config_json)) {
  SecretText text;
  FileStamp stamp;
  std::string error;
  if (!file_.read(&text, &stamp, &error)) {
    throw sdk::Error(TRELLIS_E_INVALID, "allowlist: " + file_.path() + ": " + error);
  }
  table_ = TokenTable::parse(text.view(), &error);
  if (!table_) throw sdk::Error(TRELLIS_E_INVALID, "allowlist: " + file_.path() + ": " + error);
  stamp_ = stamp;
  state_ = SourceState::kLoaded;
  log_.info("allowlist: loaded " + std::to_string(table_->size()) + " token(s) from " + file_.path());
}

AllowlistAuth::~AllowlistAuth() = default;

void AllowlistAuth::become_unavailable(const FileStamp &stamp, const std::string &why) {
  table_.reset();  // wipes the tokens
  const bool was_loaded = state_ == SourceState::kLoaded;
  state_ = SourceState::kUnavailable;
  stamp_ = stamp;
  log_.error("allowlist: " + file_.path() + ": " + why +
             (was_loaded ? "; denying every request until the file is fixed" : ""));
}

void AllowlistAuth::refresh() {
  const FileStamp now = file_.stat();
  if (now == stamp_) return;  // same version as last time, loaded or not
  if (!now.present) {
    become_unavailable(now, std::strerror(now.error));
    return;
  }
  SecretText text;
  FileStamp read_stamp;
  std::string error;
  if (!file_.read(&text, &read_stamp, &error)) {
    become_unavailable(now, error);
    return;
  }
  std::unique_ptr<TokenTable> table = TokenTable::parse(text.view(), &error);
  if (!table) {
    become_unavailable(read_stamp, error);
    return;
  }
  table_ = std::move(table);
  stamp_ = read_stamp;
  state_ = SourceState::kLoaded;
  log_.info("allowlist: reloaded " + std::to_string(table_->size()) + " token(s) from " +
            file_.path());
}

trellis_status AllowlistAuth::authenticate(const trellis_auth_request &request,
                                           trellis_auth_done_fn done, void *user,
                                           uint64_t *request_id) {
  if (done == nullptr || request_id == nullptr || request.credential == nullptr) {
    return TRELLIS_E_INVALID;
  }
  if (request.credential_type != nullptr &&
      std::strcmp(request.credential_type, kCredentialType) != 0) {
    return TRELLIS_E_INVALID;
  }

  refresh();

  auto p = std::make_unique<Pending>();
  p->self = this;
  p->id = next_id_;
  p->done = done;
  p->user = user;
  switch (state_) {
    case SourceState::kLoaded: {
      const Identity *id = table_->find(request.credential);
      if (id != nullptr) {
        p->status = TRELLIS_OK;
        p->identity_json = id->to_json();
      } else {
        p->status = TRELLIS_E_DENIED;
        p->reason = kDenied;
        const std::string remote = remote_of(request.context_json);
        log_.info(std::string("allowlist: denied an unknown token") +
                  (remote.empty() ? "" : " from " + remote));
      }
      break;
    }
    case SourceState::kUnavailable:
      p->status = TRELLIS_E_UNAVAILABLE;
      p->reason = kUnavailable;
      break;
  }

  Pending *raw = p.get();
  pending_.emplace(raw->id, std::move(p));
  const trellis_status st = sdk::host().api->post(ctx_, &AllowlistAuth::deliver, raw);
  if (st != TRELLIS_OK) {
    pending_.erase(raw->id);
    return st;
  }
  *request_id = next_id_++;
  return TRELLIS_OK;
}

void AllowlistAuth::cancel(uint64_t request_id) {
  const auto it = pending_.find(request_id);
  if (it == pending_.end()) return;
  Pending &p = *it->second;
  p.cancelled = true;
  p.identity_json.clear();
}

void AllowlistAuth::deliver(void *pending) noexcept {
  auto *raw = static_cast<Pending *>(pending);
  AllowlistAuth *self = raw->self;
  const auto it = self->pending_.find(raw->id);
  if (it == self->pending_.end()) return;
  // Detach first: done may call back into this instance (a new request, even
  // a cancel of this one) and must find a consistent state.
  std::unique_ptr<Pending> p = std::move(it->second);
  self->pending_.erase(it);
  if (p->cancelled) return;
  p->done(p->user, p->status, p->identity_json.empty() ? nullptr : p->identity_json.c_str(),
          p->reason.empty() ? nullptr : p->reason.c_str());
}

}  // namespace trellis::examples::allowlist
