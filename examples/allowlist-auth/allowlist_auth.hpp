// SPDX-License-Identifier: Apache-2.0
// AllowlistAuth: one instance of the "allowlist" auth plugin. It answers
// bearer-token requests from the token file named in its config, rechecking
// the file's stamp on every request and reloading it when it changed.
//
// Token source states:
//   kLoaded       the last read parsed; requests are looked up in the table.
//   kUnavailable  the file is missing, unreadable or malformed; every request
//                 is answered TRELLIS_E_UNAVAILABLE ("token list unavailable")
//                 until a new version of the file parses. A bad edit thus
//                 fails closed: it never leaves a revoked token working.
//
// Every request is answered asynchronously: authenticate() decides, then
// posts the answer onto the host loop, where done runs (or does not, if the
// request was cancelled or the instance destroyed first). Loop thread only.
#pragma once

#include "core/token_table.hpp"
#include "io/token_file.hpp"

#include <trellis/plugin.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace trellis::examples::allowlist {

class AllowlistAuth {
 public:
  // Reads the config ({"file": "/absolute/path"}) and loads the file; throws
  // sdk::Error(TRELLIS_E_INVALID, reason) when either is bad.
  explicit AllowlistAuth(const trellis_create_params &params);
  AllowlistAuth(const AllowlistAuth &) = delete;
  AllowlistAuth &operator=(const AllowlistAuth &) = delete;
  // The host has cancelled this instance's posts before destroy; pending
  // requests are dropped without calling done.
  ~AllowlistAuth();

  // Decides now, answers on the loop. Returns TRELLIS_E_INVALID for a missing
  // request, callback or credential, or a credential_type other than
  // "bearer"; the status of host->post if it refuses. done is not called
  // when this returns an error.
  trellis_status authenticate(const trellis_auth_request &request, trellis_auth_done_fn done,
                              void *user, uint64_t *request_id);

  // done will not be called for request_id. Unknown ids are ignored.
  void cancel(uint64_t request_id);

 private:
  enum class SourceState { kLoaded, kUnavailable };

  struct Pending {
    AllowlistAuth *self = nullptr;
    uint64_t id = 0;
    trellis_auth_done_fn done = nullptr;
    void *user = nullptr;
    trellis_status status = TRELLIS_OK;
    std::string identity_json;
    std::string reason;
    bool cancelled = false;
  };

  // Stat the file; reload and reparse when its stamp changed.
  void refresh();
  void become_unavailable(const FileStamp &stamp, const std::string &why);
  static void deliver(void *pending) noexcept;

  trellis_host_ctx *ctx_;
  sdk::Logger log_;
  TokenFile file_;
  SourceState state_ = SourceState::kUnavailable;
  FileStamp stamp_;
  std::unique_ptr<TokenTable> table_;
  uint64_t next_id_ = 1;
  // Keyed by request id. A node lives until its posted delivery runs (even
  // when cancelled, as the post still points at it) or the instance dies.
  std::map<uint64_t, std::unique_ptr<Pending>> pending_;
};

}  // namespace trellis::examples::allowlist
