// SPDX-License-Identifier: Apache-2.0
// ABI glue of the "allowlist" auth plugin: the auth vtable, each entry behind
// the SDK's exception barrier, and the one exported entry symbol. The logic
// lives in allowlist_auth.cpp; nothing here but argument checks and casts.
#include "allowlist_auth.hpp"

#include <trellis/plugin.hpp>

namespace {

using trellis::examples::allowlist::AllowlistAuth;
namespace sdk = trellis::sdk;

// THREAD: loop.
trellis_status allowlist_create(const trellis_create_params *params, void **instance, char **error) {
  return sdk::barrier(error, [&] {
    if (params == nullptr || instance == nullptr) {
      throw sdk::Error(TRELLIS_E_INVALID, "allowlist: create called without params");
    }
    *instance = nullptr;
    const trellis_create_params p = sdk::read_sized(params);
    *instance = new AllowlistAuth(p);
  });
}

// THREAD: loop.
void allowlist_destroy(void *instance) {
  sdk::barrier_void([&] { delete static_cast<AllowlistAuth *>(instance); });
}

// THREAD: loop. OWNERSHIP: request borrowed; nothing of it is kept.
trellis_status allowlist_authenticate(void *instance, const trellis_auth_request *request,
                                      trellis_auth_done_fn done, void *user,
                                      uint64_t *request_id) {
  return sdk::barrier(nullptr, [&]() -> trellis_status {
    if (instance == nullptr || request == nullptr) return TRELLIS_E_INVALID;
    const trellis_auth_request r = sdk::read_sized(request);
    return static_cast<AllowlistAuth *>(instance)->authenticate(r, done, user, request_id);
  });
}

// THREAD: loop.
void allowlist_cancel(void *instance, uint64_t request_id) {
  sdk::barrier_void([&] {
    if (instance != nullptr) static_cast<AllowlistAuth *>(instance)->cancel(request_id);
  });
}

trellis_auth_vtable allowlist_vtable = {
    0,  // struct_size: set by TRELLIS_DECLARE_PLUGIN
    "bearer",
    allowlist_create,
    allowlist_destroy,
    allowlist_authenticate,
    allowlist_cancel,
    nullptr,  // obtain_credential: server side only
};

}  // namespace

TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_AUTH, "allowlist", "0.1.0",
                       "Bearer tokens listed in a file (example third-party plugin)",
                       allowlist_vtable)
