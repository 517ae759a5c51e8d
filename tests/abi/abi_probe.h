/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Probes exported by the translation units that compile plugin.h as C11
 * (abi_c11.c) and plugin.h + plugin.hpp as C++17 and C++20 (abi_cxx.cpp), so
 * that the test executable links all of them and can compare, at run time, the
 * layout each language sees and what a C plugin's static descriptor looks like.
 */
#ifndef TRELLIS_TESTS_ABI_PROBE_H
#define TRELLIS_TESTS_ABI_PROBE_H

#include <trellis/plugin.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every struct type of the ABI, in a fixed order. */
#define ABI_PROBE_TYPES(X)               \
  X(trellis_ip_prefix)                   \
  X(trellis_endpoint)                    \
  X(trellis_buf)                         \
  X(trellis_host_api)                    \
  X(trellis_create_params)               \
  X(trellis_path_info)                   \
  X(trellis_packet_path_vtable)          \
  X(trellis_packet_path)                 \
  X(trellis_tunnel_interface)            \
  X(trellis_tunnel_peer)                 \
  X(trellis_tunnel_peer_stats)           \
  X(trellis_tunnel_event)                \
  X(trellis_tunnel_vtable)               \
  X(trellis_transport_event)             \
  X(trellis_transport_session_callbacks) \
  X(trellis_transport_session_params)    \
  X(trellis_transport_vtable)            \
  X(trellis_auth_request)                \
  X(trellis_auth_vtable)                 \
  X(trellis_doc)                         \
  X(trellis_event_record)                \
  X(trellis_storage_vtable)              \
  X(trellis_plugin_descriptor)

#define ABI_PROBE_COUNT_ONE(T) +1
enum { ABI_PROBE_TYPE_COUNT = 0 ABI_PROBE_TYPES(ABI_PROBE_COUNT_ONE) };

/* Writes sizeof of each type above, in order, into out[ABI_PROBE_TYPE_COUNT]. */
void abi_probe_sizes_c11(size_t *out);
void abi_probe_sizes_cxx17(size_t *out);
void abi_probe_sizes_cxx20(size_t *out);

/* The descriptor a plugin written in plain C11 returns (designated
 * initialisers, static storage), with an auth vtable whose create fails with
 * TRELLIS_E_UNSUPPORTED. */
const trellis_plugin_descriptor *abi_probe_c11_descriptor(void);

/* Runs the plugin.hpp helpers compiled as C++17 against a host table whose
 * alloc/free are malloc/free; returns 0 when each behaved, otherwise the
 * number of the first check that failed. */
int abi_probe_cxx17_helpers(void);

#ifdef __cplusplus
}
#endif

#endif /* TRELLIS_TESTS_ABI_PROBE_H */
