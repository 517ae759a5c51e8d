/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugin.h compiled as strict C11 (-std=c11 -pedantic -Werror): the layout
 * table of abi_layout.h is asserted here as C sees it, and a minimal auth
 * plugin is declared the way a C author would write one (designated
 * initialisers, static storage, every callback type spelled out), so that any
 * C++-only construct creeping into the header fails this build.
 */
#include "abi_layout.h"
#include "abi_probe.h"

static trellis_status c_create(const trellis_create_params *params, void **instance, char **error) {
  (void)params;
  (void)error;
  *instance = NULL;
  return TRELLIS_E_UNSUPPORTED;
}

static void c_destroy(void *instance) { (void)instance; }

static trellis_status c_authenticate(void *instance, const trellis_auth_request *request,
                                     trellis_auth_done_fn done, void *user, uint64_t *request_id) {
  (void)instance;
  (void)request;
  (void)done;
  (void)user;
  *request_id = 0;
  return TRELLIS_E_UNSUPPORTED;
}

static void c_cancel(void *instance, uint64_t request_id) {
  (void)instance;
  (void)request_id;
}

static trellis_auth_vtable c_auth_vtable = {
    .struct_size = sizeof(trellis_auth_vtable),
    .credential_type = "bearer",
    .create = c_create,
    .destroy = c_destroy,
    .authenticate = c_authenticate,
    .cancel = c_cancel,
    .obtain_credential = NULL,
};

static const trellis_plugin_descriptor c_descriptor = {
    .struct_size = sizeof(trellis_plugin_descriptor),
    .abi_major = TRELLIS_ABI_MAJOR,
    .abi_minor = TRELLIS_ABI_MINOR,
    .kind = TRELLIS_KIND_AUTH,
    .name = "c11-probe",
    .version = "0.0.0",
    .description = "plugin.h compiled as C11",
    .vtable = &c_auth_vtable,
};

/* The entry's type as a C plugin would define it; checked against the typedef. */
static const trellis_plugin_descriptor *c_entry(const trellis_host_api *host, trellis_host_ctx *ctx) {
  (void)host;
  (void)ctx;
  return &c_descriptor;
}
static const trellis_plugin_entry_fn c_entry_ptr = c_entry;

const trellis_plugin_descriptor *abi_probe_c11_descriptor(void) { return c_entry_ptr(NULL, NULL); }

void abi_probe_sizes_c11(size_t *out) {
  size_t i = 0;
#define ABI_PROBE_SIZE_ONE(T) out[i++] = sizeof(T);
  ABI_PROBE_TYPES(ABI_PROBE_SIZE_ONE)
#undef ABI_PROBE_SIZE_ONE
}
