/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ABI v1 layout on x86_64 Linux (LP64, System V psABI), written down as
 * literals: the size and alignment of every type in trellis/plugin.h, the
 * offset of every struct member, the width of the enums and the value of every
 * constant a binary bakes in. Included by abi_c11.c (C11) and abi_cxx.cpp (C++17
 * and C++20), so a layout change, or a difference between how C and C++ see the
 * header, fails the build. The numbers were derived by hand from the psABI rules
 * (pointers, size_t and 64-bit integers 8-aligned, enums 4 bytes) and then
 * confirmed by compiling. Appending a field in a minor version changes only the
 * struct's size here; moving or retyping one changes an offset, which is an ABI
 * break.
 */
#ifndef TRELLIS_TESTS_ABI_LAYOUT_H
#define TRELLIS_TESTS_ABI_LAYOUT_H

#include <trellis/plugin.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define ABI_ASSERT(expr, msg) static_assert(expr, msg)
#define ABI_ALIGNOF(T) alignof(T)
#else
#define ABI_ASSERT(expr, msg) _Static_assert(expr, msg)
#define ABI_ALIGNOF(T) _Alignof(T)
#endif

#if !defined(__x86_64__) || !defined(__linux__) || !defined(__LP64__)
#error "tests/abi/abi_layout.h holds the x86_64 Linux layout; add a table for this target"
#endif

#define ABI_MEMBER_SIZE(T, m) sizeof(((T *)0)->m)

#define ABI_SIZE(T, size, align)                                   \
  ABI_ASSERT(sizeof(T) == (size), "sizeof(" #T ") changed");       \
  ABI_ASSERT(ABI_ALIGNOF(T) == (align), "alignof(" #T ") changed")

#define ABI_OFFSET(T, m, off) ABI_ASSERT(offsetof(T, m) == (off), "offsetof(" #T ", " #m ") changed")

/* Every struct that crosses starts with a uint32_t struct_size at offset 0. */
#define ABI_SIZED(T)                                                                  \
  ABI_ASSERT(offsetof(T, struct_size) == 0, #T ": struct_size must be the first member"); \
  ABI_ASSERT(ABI_MEMBER_SIZE(T, struct_size) == 4, #T ": struct_size must be a uint32_t")

/* --- scalars and enums ---------------------------------------------------- */

ABI_SIZE(trellis_status, 4, 4);
ABI_SIZE(trellis_log_level, 4, 4);
ABI_SIZE(trellis_plugin_kind, 4, 4);
ABI_SIZE(trellis_metric_type, 4, 4);
ABI_SIZE(trellis_path_kind, 4, 4);
ABI_SIZE(trellis_candidate_type, 4, 4);
ABI_SIZE(trellis_tunnel_event_type, 4, 4);
ABI_SIZE(trellis_transport_state, 4, 4);

ABI_ASSERT(TRELLIS_ABI_MAJOR == 1, "this table describes ABI major 1");
ABI_ASSERT(TRELLIS_KEY_LEN == 32, "TRELLIS_KEY_LEN");
ABI_ASSERT(TRELLIS_REV_NONE == 0, "TRELLIS_REV_NONE");
ABI_ASSERT(TRELLIS_REV_ANY == UINT64_MAX, "TRELLIS_REV_ANY");

ABI_ASSERT(TRELLIS_OK == 0 && TRELLIS_E_INVALID == -1 && TRELLIS_E_NOMEM == -2 &&
               TRELLIS_E_NOT_FOUND == -3 && TRELLIS_E_EXISTS == -4 && TRELLIS_E_CONFLICT == -5 &&
               TRELLIS_E_UNSUPPORTED == -6 && TRELLIS_E_IO == -7 && TRELLIS_E_DENIED == -8 &&
               TRELLIS_E_UNAVAILABLE == -9 && TRELLIS_E_TIMEOUT == -10 && TRELLIS_E_ABI == -11 &&
               TRELLIS_E_CLOSED == -12 && TRELLIS_E_AGAIN == -13 && TRELLIS_E_INTERNAL == -14,
           "status codes are ABI: never renumber");
ABI_ASSERT(TRELLIS_LOG_TRACE == 0 && TRELLIS_LOG_DEBUG == 1 && TRELLIS_LOG_INFO == 2 &&
               TRELLIS_LOG_WARN == 3 && TRELLIS_LOG_ERROR == 4,
           "log levels");
ABI_ASSERT(TRELLIS_KIND_TUNNEL == 1 && TRELLIS_KIND_TRANSPORT == 2 && TRELLIS_KIND_AUTH == 3 &&
               TRELLIS_KIND_STORAGE == 4,
           "plugin kinds");
ABI_ASSERT(TRELLIS_METRIC_COUNTER == 1 && TRELLIS_METRIC_GAUGE == 2, "metric types");
ABI_ASSERT(TRELLIS_PATH_DIRECT == 1 && TRELLIS_PATH_RELAYED == 2, "path kinds");
ABI_ASSERT(TRELLIS_CANDIDATE_UNKNOWN == 0 && TRELLIS_CANDIDATE_HOST == 1 &&
               TRELLIS_CANDIDATE_SRFLX == 2 && TRELLIS_CANDIDATE_PRFLX == 3 &&
               TRELLIS_CANDIDATE_RELAY == 4,
           "candidate types");
ABI_ASSERT(TRELLIS_TUNNEL_CAP_PACKET_PATH == 1u && TRELLIS_TUNNEL_CAP_FIREWALL == 2u &&
               TRELLIS_TUNNEL_CAP_ROUTES == 4u,
           "tunnel capabilities");
ABI_ASSERT(TRELLIS_IF_HAS_PRIVATE_KEY == 1u && TRELLIS_IF_HAS_LISTEN_PORT == 2u &&
               TRELLIS_IF_HAS_MTU == 4u && TRELLIS_IF_HAS_FWMARK == 8u &&
               TRELLIS_IF_HAS_ADDRESSES == 16u,
           "interface has_* flags");
ABI_ASSERT(TRELLIS_PEER_HAS_PRESHARED_KEY == 1u && TRELLIS_PEER_HAS_ENDPOINT == 2u &&
               TRELLIS_PEER_HAS_KEEPALIVE == 4u && TRELLIS_PEER_REPLACE_ALLOWED_IPS == 8u,
           "peer flags");
ABI_ASSERT(TRELLIS_TUNNEL_EV_HANDSHAKE == 1 && TRELLIS_TUNNEL_EV_ENDPOINT_CHANGED == 2 &&
               TRELLIS_TUNNEL_EV_PEER_STALE == 3 && TRELLIS_TUNNEL_EV_DOWN == 4,
           "tunnel events");
ABI_ASSERT(TRELLIS_TRANSPORT_NEW == 0 && TRELLIS_TRANSPORT_GATHERING == 1 &&
               TRELLIS_TRANSPORT_CONNECTING == 2 && TRELLIS_TRANSPORT_CONNECTED == 3 &&
               TRELLIS_TRANSPORT_DISCONNECTED == 4 && TRELLIS_TRANSPORT_FAILED == 5,
           "transport states");

/* --- value types (no struct_size: fixed forever) --------------------------- */

ABI_SIZE(trellis_ip_prefix, 18, 1);
ABI_OFFSET(trellis_ip_prefix, family, 0);
ABI_OFFSET(trellis_ip_prefix, prefix_len, 1);
ABI_OFFSET(trellis_ip_prefix, addr, 2);

ABI_SIZE(trellis_endpoint, 20, 2);
ABI_OFFSET(trellis_endpoint, family, 0);
ABI_OFFSET(trellis_endpoint, port, 2);
ABI_OFFSET(trellis_endpoint, addr, 4);

ABI_SIZE(trellis_buf, 16, 8);
ABI_OFFSET(trellis_buf, data, 0);
ABI_OFFSET(trellis_buf, len, 8);

/* --- host services --------------------------------------------------------- */

ABI_SIZED(trellis_host_api);
ABI_SIZE(trellis_host_api, 136, 8);
ABI_OFFSET(trellis_host_api, abi_major, 4);
ABI_OFFSET(trellis_host_api, abi_minor, 6);
ABI_OFFSET(trellis_host_api, host_version, 8);
ABI_OFFSET(trellis_host_api, alloc, 16);
ABI_OFFSET(trellis_host_api, free, 24);
ABI_OFFSET(trellis_host_api, log, 32);
ABI_OFFSET(trellis_host_api, now_ns, 40);
ABI_OFFSET(trellis_host_api, post, 48);
ABI_OFFSET(trellis_host_api, timer_new, 56);
ABI_OFFSET(trellis_host_api, timer_arm, 64);
ABI_OFFSET(trellis_host_api, timer_cancel, 72);
ABI_OFFSET(trellis_host_api, timer_free, 80);
ABI_OFFSET(trellis_host_api, submit_work, 88);
ABI_OFFSET(trellis_host_api, metric_new, 96);
ABI_OFFSET(trellis_host_api, counter_add, 104);
ABI_OFFSET(trellis_host_api, gauge_set, 112);
ABI_OFFSET(trellis_host_api, kv_get, 120);
ABI_OFFSET(trellis_host_api, kv_put, 128);

ABI_SIZED(trellis_create_params);
ABI_SIZE(trellis_create_params, 40, 8);
ABI_OFFSET(trellis_create_params, ctx, 8);
ABI_OFFSET(trellis_create_params, instance_name, 16);
ABI_OFFSET(trellis_create_params, config_json, 24);
ABI_OFFSET(trellis_create_params, state_dir, 32);

/* --- packet path ------------------------------------------------------------ */

ABI_SIZED(trellis_path_info);
ABI_SIZE(trellis_path_info, 168, 8);
ABI_OFFSET(trellis_path_info, kind, 4);
ABI_OFFSET(trellis_path_info, local_type, 8);
ABI_OFFSET(trellis_path_info, remote_type, 12);
ABI_OFFSET(trellis_path_info, local_address, 16);
ABI_OFFSET(trellis_path_info, remote_address, 80);
ABI_OFFSET(trellis_path_info, rtt_us, 144);
ABI_OFFSET(trellis_path_info, rx_bytes, 152);
ABI_OFFSET(trellis_path_info, tx_bytes, 160);

ABI_SIZED(trellis_packet_path_vtable);
ABI_SIZE(trellis_packet_path_vtable, 40, 8);
ABI_OFFSET(trellis_packet_path_vtable, send, 8);
ABI_OFFSET(trellis_packet_path_vtable, set_receiver, 16);
ABI_OFFSET(trellis_packet_path_vtable, get_info, 24);
ABI_OFFSET(trellis_packet_path_vtable, close, 32);

ABI_SIZED(trellis_packet_path);
ABI_SIZE(trellis_packet_path, 16, 8);
ABI_OFFSET(trellis_packet_path, vtable, 8);

/* --- tunnel ----------------------------------------------------------------- */

ABI_SIZED(trellis_tunnel_interface);
ABI_SIZE(trellis_tunnel_interface, 72, 8);
ABI_OFFSET(trellis_tunnel_interface, flags, 4);
ABI_OFFSET(trellis_tunnel_interface, private_key, 8);
ABI_OFFSET(trellis_tunnel_interface, listen_port, 40);
ABI_OFFSET(trellis_tunnel_interface, mtu, 44);
ABI_OFFSET(trellis_tunnel_interface, fwmark, 48);
ABI_OFFSET(trellis_tunnel_interface, addresses, 56);
ABI_OFFSET(trellis_tunnel_interface, address_count, 64);

ABI_SIZED(trellis_tunnel_peer);
ABI_SIZE(trellis_tunnel_peer, 112, 8);
ABI_OFFSET(trellis_tunnel_peer, flags, 4);
ABI_OFFSET(trellis_tunnel_peer, public_key, 8);
ABI_OFFSET(trellis_tunnel_peer, preshared_key, 40);
ABI_OFFSET(trellis_tunnel_peer, endpoint, 72);
ABI_OFFSET(trellis_tunnel_peer, persistent_keepalive_s, 92);
ABI_OFFSET(trellis_tunnel_peer, allowed_ips, 96);
ABI_OFFSET(trellis_tunnel_peer, allowed_ip_count, 104);

ABI_SIZED(trellis_tunnel_peer_stats);
ABI_SIZE(trellis_tunnel_peer_stats, 104, 8);
ABI_OFFSET(trellis_tunnel_peer_stats, public_key, 4);
ABI_OFFSET(trellis_tunnel_peer_stats, endpoint, 36);
ABI_OFFSET(trellis_tunnel_peer_stats, last_handshake_unix_ns, 56);
ABI_OFFSET(trellis_tunnel_peer_stats, rx_bytes, 64);
ABI_OFFSET(trellis_tunnel_peer_stats, tx_bytes, 72);
ABI_OFFSET(trellis_tunnel_peer_stats, rx_dropped, 80);
ABI_OFFSET(trellis_tunnel_peer_stats, tx_dropped, 88);
ABI_OFFSET(trellis_tunnel_peer_stats, persistent_keepalive_s, 96);

ABI_SIZED(trellis_tunnel_event);
ABI_SIZE(trellis_tunnel_event, 60, 4);
ABI_OFFSET(trellis_tunnel_event, type, 4);
ABI_OFFSET(trellis_tunnel_event, public_key, 8);
ABI_OFFSET(trellis_tunnel_event, endpoint, 40);

ABI_SIZED(trellis_tunnel_vtable);
ABI_SIZE(trellis_tunnel_vtable, 96, 8);
ABI_OFFSET(trellis_tunnel_vtable, capabilities, 4);
ABI_OFFSET(trellis_tunnel_vtable, create, 8);
ABI_OFFSET(trellis_tunnel_vtable, destroy, 16);
ABI_OFFSET(trellis_tunnel_vtable, up, 24);
ABI_OFFSET(trellis_tunnel_vtable, set_interface, 32);
ABI_OFFSET(trellis_tunnel_vtable, down, 40);
ABI_OFFSET(trellis_tunnel_vtable, set_peer, 48);
ABI_OFFSET(trellis_tunnel_vtable, remove_peer, 56);
ABI_OFFSET(trellis_tunnel_vtable, get_stats, 64);
ABI_OFFSET(trellis_tunnel_vtable, set_peer_path, 72);
ABI_OFFSET(trellis_tunnel_vtable, set_firewall, 80);
ABI_OFFSET(trellis_tunnel_vtable, set_routes, 88);

/* --- transport -------------------------------------------------------------- */

ABI_SIZED(trellis_transport_event);
ABI_SIZE(trellis_transport_event, 24, 8);
ABI_OFFSET(trellis_transport_event, state, 4);
ABI_OFFSET(trellis_transport_event, path, 8);
ABI_OFFSET(trellis_transport_event, detail, 16);

ABI_SIZED(trellis_transport_session_callbacks);
ABI_SIZE(trellis_transport_session_callbacks, 32, 8);
ABI_OFFSET(trellis_transport_session_callbacks, on_signal, 8);
ABI_OFFSET(trellis_transport_session_callbacks, on_state, 16);
ABI_OFFSET(trellis_transport_session_callbacks, user, 24);

ABI_SIZED(trellis_transport_session_params);
ABI_SIZE(trellis_transport_session_params, 80, 8);
ABI_OFFSET(trellis_transport_session_params, local_key, 4);
ABI_OFFSET(trellis_transport_session_params, remote_key, 36);
ABI_OFFSET(trellis_transport_session_params, controlling, 68);
ABI_OFFSET(trellis_transport_session_params, servers_json, 72);

ABI_SIZED(trellis_transport_vtable);
ABI_SIZE(trellis_transport_vtable, 64, 8);
ABI_OFFSET(trellis_transport_vtable, create, 8);
ABI_OFFSET(trellis_transport_vtable, destroy, 16);
ABI_OFFSET(trellis_transport_vtable, session_new, 24);
ABI_OFFSET(trellis_transport_vtable, session_start, 32);
ABI_OFFSET(trellis_transport_vtable, session_consume_signal, 40);
ABI_OFFSET(trellis_transport_vtable, session_restart, 48);
ABI_OFFSET(trellis_transport_vtable, session_free, 56);

/* --- auth ------------------------------------------------------------------- */

ABI_SIZED(trellis_auth_request);
ABI_SIZE(trellis_auth_request, 32, 8);
ABI_OFFSET(trellis_auth_request, credential_type, 8);
ABI_OFFSET(trellis_auth_request, credential, 16);
ABI_OFFSET(trellis_auth_request, context_json, 24);

ABI_SIZED(trellis_auth_vtable);
ABI_SIZE(trellis_auth_vtable, 56, 8);
ABI_OFFSET(trellis_auth_vtable, credential_type, 8);
ABI_OFFSET(trellis_auth_vtable, create, 16);
ABI_OFFSET(trellis_auth_vtable, destroy, 24);
ABI_OFFSET(trellis_auth_vtable, authenticate, 32);
ABI_OFFSET(trellis_auth_vtable, cancel, 40);
ABI_OFFSET(trellis_auth_vtable, obtain_credential, 48);

/* --- storage ---------------------------------------------------------------- */

ABI_SIZED(trellis_doc);
ABI_SIZE(trellis_doc, 48, 8);
ABI_OFFSET(trellis_doc, collection, 8);
ABI_OFFSET(trellis_doc, id, 16);
ABI_OFFSET(trellis_doc, account, 24);
ABI_OFFSET(trellis_doc, json, 32);
ABI_OFFSET(trellis_doc, revision, 40);

ABI_SIZED(trellis_event_record);
ABI_SIZE(trellis_event_record, 40, 8);
ABI_OFFSET(trellis_event_record, seq, 8);
ABI_OFFSET(trellis_event_record, time_unix_ms, 16);
ABI_OFFSET(trellis_event_record, account, 24);
ABI_OFFSET(trellis_event_record, json, 32);

ABI_SIZED(trellis_storage_vtable);
ABI_SIZE(trellis_storage_vtable, 104, 8);
ABI_OFFSET(trellis_storage_vtable, create, 8);
ABI_OFFSET(trellis_storage_vtable, destroy, 16);
ABI_OFFSET(trellis_storage_vtable, begin, 24);
ABI_OFFSET(trellis_storage_vtable, commit, 32);
ABI_OFFSET(trellis_storage_vtable, rollback, 40);
ABI_OFFSET(trellis_storage_vtable, get, 48);
ABI_OFFSET(trellis_storage_vtable, put, 56);
ABI_OFFSET(trellis_storage_vtable, remove, 64);
ABI_OFFSET(trellis_storage_vtable, scan, 72);
ABI_OFFSET(trellis_storage_vtable, append_event, 80);
ABI_OFFSET(trellis_storage_vtable, page_events, 88);
ABI_OFFSET(trellis_storage_vtable, describe, 96);

/* --- descriptor ------------------------------------------------------------- */

ABI_SIZED(trellis_plugin_descriptor);
ABI_SIZE(trellis_plugin_descriptor, 48, 8);
ABI_OFFSET(trellis_plugin_descriptor, abi_major, 4);
ABI_OFFSET(trellis_plugin_descriptor, abi_minor, 6);
ABI_OFFSET(trellis_plugin_descriptor, kind, 8);
ABI_OFFSET(trellis_plugin_descriptor, name, 16);
ABI_OFFSET(trellis_plugin_descriptor, version, 24);
ABI_OFFSET(trellis_plugin_descriptor, description, 32);
ABI_OFFSET(trellis_plugin_descriptor, vtable, 40);

#endif /* TRELLIS_TESTS_ABI_LAYOUT_H */
