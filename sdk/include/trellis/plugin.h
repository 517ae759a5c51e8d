/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trellis/plugin.h — the Trellis plugin ABI, major version 1.
 *
 * A plugin is a shared library exporting exactly one symbol,
 * `trellis_plugin_entry_v1`. The host calls it once, passing its table of
 * services; the plugin returns a descriptor naming its kind, name, version and a
 * vtable for its kind. Four kinds exist: tunnel, transport, auth and storage.
 * It is one file on purpose: a plugin author reads the whole contract here.
 *
 * Rules that hold for every declaration below:
 *   - C11, only <stdint.h> and <stddef.h>; no C++ types, no exceptions and no
 *     thread-local state cross this boundary.
 *   - Every struct starts with `uint32_t struct_size`. New fields are only ever
 *     appended, marked "since 1.N". A reader copies min(struct_size, sizeof)
 *     into a zeroed struct of its own, so older writers are understood.
 *   - Functions return trellis_status: 0 ok, negative on error. Error text, where
 *     a function takes `char **error`, is a NUL-terminated string the callee
 *     allocates with the host's `alloc` and the caller frees with the host's
 *     `free`; *error may stay NULL.
 *   - Every callback pointer travels with a `void *user`, passed back untouched.
 *   - OWNERSHIP: inputs are borrowed for the duration of the call unless a line
 *     says otherwise. Only a kind's `destroy`/`*_free` frees what the plugin made.
 *   - THREAD: "loop" is the host's event-loop thread; "pool" is a thread of the
 *     host's blocking work pool; "any" is any thread.
 *
 * ABI changes: until each kind has its first working plugin this header may still
 * change (minor 0); after that it is frozen and only appends. tests/abi keeps a
 * hash of this file so that any edit is a deliberate version decision.
 */
#ifndef TRELLIS_PLUGIN_H
#define TRELLIS_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRELLIS_ABI_MAJOR 1
#define TRELLIS_ABI_MINOR 0

/* The one symbol a plugin exports. The major version is part of its name, so a
 * plugin for another major fails at symbol lookup. */
#define TRELLIS_PLUGIN_ENTRY_SYMBOL "trellis_plugin_entry_v1"

#if defined(_WIN32)
#define TRELLIS_EXPORT __declspec(dllexport)
#else
#define TRELLIS_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------- */
/* Status codes                                                              */
/* ------------------------------------------------------------------------- */

typedef int32_t trellis_status;

enum {
  TRELLIS_OK = 0,
  TRELLIS_E_INVALID = -1,      /* bad argument or configuration */
  TRELLIS_E_NOMEM = -2,        /* allocation failed */
  TRELLIS_E_NOT_FOUND = -3,    /* no such record, peer, session */
  TRELLIS_E_EXISTS = -4,       /* already exists */
  TRELLIS_E_CONFLICT = -5,     /* revision mismatch: someone else wrote first */
  TRELLIS_E_UNSUPPORTED = -6,  /* this plugin does not implement the call */
  TRELLIS_E_IO = -7,           /* operating-system or device error */
  TRELLIS_E_DENIED = -8,       /* refused: authentication or permission */
  TRELLIS_E_UNAVAILABLE = -9,  /* temporarily unavailable; retrying may work */
  TRELLIS_E_TIMEOUT = -10,     /* deadline passed */
  TRELLIS_E_ABI = -11,         /* ABI version or struct size mismatch */
  TRELLIS_E_CLOSED = -12,      /* object closed or shutting down */
  TRELLIS_E_AGAIN = -13,       /* would block; try later (e.g. queue full) */
  TRELLIS_E_INTERNAL = -14     /* a bug; an exception caught at the barrier */
};

typedef enum trellis_log_level {
  TRELLIS_LOG_TRACE = 0,
  TRELLIS_LOG_DEBUG = 1,
  TRELLIS_LOG_INFO = 2,
  TRELLIS_LOG_WARN = 3,
  TRELLIS_LOG_ERROR = 4
} trellis_log_level;

typedef enum trellis_plugin_kind {
  TRELLIS_KIND_TUNNEL = 1,
  TRELLIS_KIND_TRANSPORT = 2,
  TRELLIS_KIND_AUTH = 3,
  TRELLIS_KIND_STORAGE = 4
} trellis_plugin_kind;

/* ------------------------------------------------------------------------- */
/* Small value types shared by the kinds                                     */
/* ------------------------------------------------------------------------- */

#define TRELLIS_KEY_LEN 32

/* An IPv4 or IPv6 prefix. family is 4 or 6; addr holds 4 or 16 bytes in
 * network order (IPv4 in the first 4 bytes). */
typedef struct trellis_ip_prefix {
  uint8_t family;
  uint8_t prefix_len;
  uint8_t addr[16];
} trellis_ip_prefix;

/* A UDP endpoint. family 0 means "none". port in host order. */
typedef struct trellis_endpoint {
  uint8_t family;
  uint16_t port;
  uint8_t addr[16];
} trellis_endpoint;

/* One datagram of a batch. OWNERSHIP: borrowed for the call it is passed to. */
typedef struct trellis_buf {
  const uint8_t *data;
  size_t len;
} trellis_buf;

/* ------------------------------------------------------------------------- */
/* Host services                                                             */
/* ------------------------------------------------------------------------- */

/* A context the host makes for the plugin library (passed to the entry) and one
 * for each instance it creates. Everything scheduled through an instance context
 * (timers, posts, work) is cancelled by the host before that instance's destroy
 * is called, and nothing scheduled through it runs afterwards. */
typedef struct trellis_host_ctx trellis_host_ctx;
typedef struct trellis_timer trellis_timer;
typedef struct trellis_metric trellis_metric;

typedef void (*trellis_task_fn)(void *user);

typedef enum trellis_metric_type {
  TRELLIS_METRIC_COUNTER = 1,
  TRELLIS_METRIC_GAUGE = 2
} trellis_metric_type;

/* Revisions for trellis_host_api.kv_put and the storage kind. */
#define TRELLIS_REV_NONE ((uint64_t)0)          /* must not exist yet */
#define TRELLIS_REV_ANY ((uint64_t)UINT64_MAX)  /* overwrite whatever is there */

typedef struct trellis_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  const char *host_version; /* e.g. "0.1.0"; OWNERSHIP: host's, lives forever */

  /* Memory for strings and buffers that cross the boundary toward the host
   * (error text, JSON results). OWNERSHIP: the host frees what `alloc` made.
   * THREAD: any. */
  void *(*alloc)(size_t size);
  void (*free)(void *ptr);

  /* Logging, tagged by the host with the plugin and instance name. Never pass
   * secrets (keys, tokens). OWNERSHIP: msg borrowed. THREAD: any. */
  void (*log)(trellis_host_ctx *ctx, trellis_log_level level, const char *msg);

  /* Monotonic clock in nanoseconds. THREAD: any. */
  uint64_t (*now_ns)(trellis_host_ctx *ctx);

  /* Run fn(user) on the loop thread soon. Returns TRELLIS_E_CLOSED when the
   * instance is being destroyed (fn will then never run).
   * OWNERSHIP: user stays the plugin's. THREAD: any; fn runs on loop. */
  trellis_status (*post)(trellis_host_ctx *ctx, trellis_task_fn fn, void *user);

  /* One-shot timers on the loop. timer_new returns NULL on failure. Arming an
   * armed timer re-arms it; cancel is idempotent. A cancelled timer's callback
   * does not run. OWNERSHIP: the plugin frees its timers with timer_free; the
   * host frees any left when the instance is destroyed.
   * THREAD: loop only (all four); fn runs on loop. */
  trellis_timer *(*timer_new)(trellis_host_ctx *ctx, trellis_task_fn fn, void *user);
  void (*timer_arm)(trellis_timer *timer, uint64_t delay_ns);
  void (*timer_cancel)(trellis_timer *timer);
  void (*timer_free)(trellis_timer *timer);

  /* Run work(user) on the blocking pool, then done(user, status-of-work) on the
   * loop. The host waits for running work of an instance before destroying it;
   * done is not called once destruction has begun.
   * THREAD: any; work on pool; done on loop. */
  trellis_status (*submit_work)(trellis_host_ctx *ctx, trellis_status (*work)(void *user),
                                void (*done)(void *user, trellis_status status), void *user);

  /* Metrics, exported in Prometheus text format. name must match
   * [a-z_][a-z0-9_]*; the host prefixes "trellis_". labels is NULL or
   * "k=\"v\",k2=\"v2\"". Returns NULL on bad input. OWNERSHIP: the host owns
   * metrics; they live until the instance is destroyed.
   * THREAD: metric_new on loop; counter_add and gauge_set any (lock-free). */
  trellis_metric *(*metric_new)(trellis_host_ctx *ctx, trellis_metric_type type, const char *name,
                                const char *help, const char *labels);
  void (*counter_add)(trellis_metric *metric, uint64_t delta);
  void (*gauge_set)(trellis_metric *metric, double value);

  /* Small durable key/value records of this plugin instance (agent side: a
   * local state file; management side: the configured storage kind), with
   * optimistic revisions (TRELLIS_REV_NONE / TRELLIS_REV_ANY / exact).
   * kv_get: *value_out is host-allocated JSON text; TRELLIS_E_NOT_FOUND if absent.
   * kv_put: TRELLIS_E_CONFLICT when the revision does not match.
   * OWNERSHIP: the caller frees *value_out and *error with `free`.
   * THREAD: pool only (blocking). */
  trellis_status (*kv_get)(trellis_host_ctx *ctx, const char *collection, const char *id,
                           char **value_out, uint64_t *revision_out, char **error);
  trellis_status (*kv_put)(trellis_host_ctx *ctx, const char *collection, const char *id,
                           const char *value_json, uint64_t expected_revision,
                           uint64_t *new_revision_out, char **error);
} trellis_host_api;

/* Everything a kind's `create` receives. */
typedef struct trellis_create_params {
  uint32_t struct_size;
  trellis_host_ctx *ctx;      /* this instance's context (see above) */
  const char *instance_name;  /* from the config, e.g. "wg0" or "default" */
  const char *config_json;    /* the plugin's YAML subtree as JSON ("{}" if none) */
  const char *state_dir;      /* a private directory for files; may be NULL */
} trellis_create_params;

/* ------------------------------------------------------------------------- */
/* Packet path: a connected datagram pipe from a transport to a tunnel        */
/* ------------------------------------------------------------------------- */

typedef enum trellis_path_kind {
  TRELLIS_PATH_DIRECT = 1,
  TRELLIS_PATH_RELAYED = 2
} trellis_path_kind;

typedef enum trellis_candidate_type {
  TRELLIS_CANDIDATE_UNKNOWN = 0,
  TRELLIS_CANDIDATE_HOST = 1,
  TRELLIS_CANDIDATE_SRFLX = 2,
  TRELLIS_CANDIDATE_PRFLX = 3,
  TRELLIS_CANDIDATE_RELAY = 4
} trellis_candidate_type;

typedef struct trellis_path_info {
  uint32_t struct_size;
  trellis_path_kind kind;
  trellis_candidate_type local_type;
  trellis_candidate_type remote_type;
  char local_address[64];  /* "ip:port" or "[ip6]:port", NUL-terminated */
  char remote_address[64];
  uint64_t rtt_us;         /* 0 if unknown */
  uint64_t rx_bytes;
  uint64_t tx_bytes;
} trellis_path_info;

/* Receives a batch of datagrams from the remote peer.
 * OWNERSHIP: the batch is borrowed for the call. THREAD: the transport's own
 * thread (not the loop); one call at a time per path. */
typedef void (*trellis_path_receiver)(void *user, const trellis_buf *batch, size_t count);

typedef struct trellis_packet_path trellis_packet_path;

typedef struct trellis_packet_path_vtable {
  uint32_t struct_size;
  /* Send a batch of datagrams; best effort, like UDP. TRELLIS_E_CLOSED once the
   * path is lost. OWNERSHIP: batch borrowed. THREAD: any; the transport
   * serialises concurrent senders itself. */
  trellis_status (*send)(trellis_packet_path *path, const trellis_buf *batch, size_t count);
  /* Install (fn non-NULL) or remove (fn NULL) the receiver. After a call with
   * NULL returns, the old receiver is not running and will not be called.
   * THREAD: any. */
  trellis_status (*set_receiver)(trellis_packet_path *path, trellis_path_receiver fn, void *user);
  /* Path kind, candidates, RTT, counters. THREAD: any, non-blocking. */
  trellis_status (*get_info)(trellis_packet_path *path, trellis_path_info *info);
  /* Release the path. After it returns, no receiver call is running or will run.
   * OWNERSHIP: ends the caller's use of the path; the transport frees it.
   * THREAD: loop. */
  void (*close)(trellis_packet_path *path);
} trellis_packet_path_vtable;

/* A path is a transport-owned object whose first member is this header. */
struct trellis_packet_path {
  uint32_t struct_size;
  const trellis_packet_path_vtable *vtable;
};

/* ------------------------------------------------------------------------- */
/* Kind: tunnel                                                              */
/* ------------------------------------------------------------------------- */

/* The tunnel can take WireGuard datagrams for a peer through a packet path
 * (set_peer_path). Without it the host bridges the path to a loopback UDP
 * endpoint and sets the peer's endpoint there. */
#define TRELLIS_TUNNEL_CAP_PACKET_PATH (1u << 0)
/* The tunnel enforces firewall rules in its data plane (set_firewall). */
#define TRELLIS_TUNNEL_CAP_FIREWALL (1u << 1)
/* The tunnel sets routes itself (set_routes). */
#define TRELLIS_TUNNEL_CAP_ROUTES (1u << 2)

/* has_* flags of trellis_tunnel_interface: fields without their flag are left as
 * they are (partial update). */
#define TRELLIS_IF_HAS_PRIVATE_KEY (1u << 0)
#define TRELLIS_IF_HAS_LISTEN_PORT (1u << 1)
#define TRELLIS_IF_HAS_MTU (1u << 2)
#define TRELLIS_IF_HAS_FWMARK (1u << 3)
#define TRELLIS_IF_HAS_ADDRESSES (1u << 4) /* replaces all addresses */

typedef struct trellis_tunnel_interface {
  uint32_t struct_size;
  uint32_t flags;                    /* TRELLIS_IF_HAS_* */
  uint8_t private_key[TRELLIS_KEY_LEN];
  uint16_t listen_port;              /* 0 = pick one */
  uint32_t mtu;
  uint32_t fwmark;
  const trellis_ip_prefix *addresses; /* OWNERSHIP: borrowed */
  size_t address_count;
} trellis_tunnel_interface;

#define TRELLIS_PEER_HAS_PRESHARED_KEY (1u << 0)
#define TRELLIS_PEER_HAS_ENDPOINT (1u << 1)
#define TRELLIS_PEER_HAS_KEEPALIVE (1u << 2)
#define TRELLIS_PEER_REPLACE_ALLOWED_IPS (1u << 3) /* otherwise allowed IPs are added */

typedef struct trellis_tunnel_peer {
  uint32_t struct_size;
  uint32_t flags;                    /* TRELLIS_PEER_* */
  uint8_t public_key[TRELLIS_KEY_LEN];
  uint8_t preshared_key[TRELLIS_KEY_LEN];
  trellis_endpoint endpoint;
  uint16_t persistent_keepalive_s;   /* 0 = off */
  const trellis_ip_prefix *allowed_ips; /* OWNERSHIP: borrowed */
  size_t allowed_ip_count;
} trellis_tunnel_peer;

typedef struct trellis_tunnel_peer_stats {
  uint32_t struct_size;
  uint8_t public_key[TRELLIS_KEY_LEN];
  trellis_endpoint endpoint;
  int64_t last_handshake_unix_ns;    /* 0 = never */
  uint64_t rx_bytes;
  uint64_t tx_bytes;
  uint64_t rx_dropped;               /* refused: bad MAC, replay, allowed IPs, firewall */
  uint64_t tx_dropped;
  uint16_t persistent_keepalive_s;
} trellis_tunnel_peer_stats;

typedef enum trellis_tunnel_event_type {
  TRELLIS_TUNNEL_EV_HANDSHAKE = 1,        /* a session with the peer was established */
  TRELLIS_TUNNEL_EV_ENDPOINT_CHANGED = 2, /* roaming: the peer's endpoint moved */
  TRELLIS_TUNNEL_EV_PEER_STALE = 3,       /* no valid session: handshakes are failing */
  TRELLIS_TUNNEL_EV_DOWN = 4              /* the device went away */
} trellis_tunnel_event_type;

typedef struct trellis_tunnel_event {
  uint32_t struct_size;
  trellis_tunnel_event_type type;
  uint8_t public_key[TRELLIS_KEY_LEN];   /* zero for interface-wide events */
  trellis_endpoint endpoint;
} trellis_tunnel_event;

/* THREAD: loop (the tunnel posts it there). OWNERSHIP: ev borrowed. */
typedef void (*trellis_tunnel_event_fn)(void *user, const trellis_tunnel_event *ev);

typedef struct trellis_tunnel_vtable {
  uint32_t struct_size;
  uint32_t capabilities; /* TRELLIS_TUNNEL_CAP_* */

  /* Create an instance (no device yet). OWNERSHIP: *instance is the plugin's
   * until destroy. THREAD: loop. */
  trellis_status (*create)(const trellis_create_params *params, trellis_tunnel_event_fn on_event,
                           void *event_user, void **instance, char **error);
  /* Tear down the device if up, stop all threads, free everything. After it
   * returns no callback runs. THREAD: loop. */
  void (*destroy)(void *instance);

  /* Create the device named ifname (or adopt an existing one) with the given
   * settings and bring it up. THREAD: loop. */
  trellis_status (*up)(void *instance, const char *ifname, const trellis_tunnel_interface *settings,
                       char **error);
  /* Change interface settings; fields without their has_* flag are kept.
   * THREAD: loop. */
  trellis_status (*set_interface)(void *instance, const trellis_tunnel_interface *settings,
                                  char **error);
  /* Bring the device down. A device that up created is deleted; an adopted
   * one is left in place without the peers and routes this tunnel set.
   * Peers are forgotten either way. THREAD: loop. */
  trellis_status (*down)(void *instance, char **error);

  /* Add or update a peer (upsert by public key). THREAD: loop. */
  trellis_status (*set_peer)(void *instance, const trellis_tunnel_peer *peer, char **error);
  /* Remove a peer; TRELLIS_E_NOT_FOUND if absent. THREAD: loop. */
  trellis_status (*remove_peer)(void *instance, const uint8_t public_key[TRELLIS_KEY_LEN],
                                char **error);

  /* Per-peer statistics without blocking. out is an array of capacity entries
   * whose stride is out[0].struct_size (the caller's sizeof; when 0 the callee
   * uses its own and sets it). The callee writes min(its size, the caller's)
   * bytes of each entry, sets each entry's struct_size to the stride, and
   * stores the total number of peers in *count (which may exceed capacity).
   * THREAD: loop. */
  trellis_status (*get_stats)(void *instance, trellis_tunnel_peer_stats *out, size_t capacity,
                              size_t *count);

  /* TRELLIS_TUNNEL_CAP_PACKET_PATH: route the peer's datagrams through path
   * (NULL: back to the UDP socket). After a call returns, the tunnel no longer
   * uses any previous path of this peer and has removed its receiver from it.
   * OWNERSHIP: path borrowed until replaced or the peer is removed.
   * THREAD: loop. NULL when unsupported. */
  trellis_status (*set_peer_path)(void *instance, const uint8_t public_key[TRELLIS_KEY_LEN],
                                  trellis_packet_path *path, char **error);

  /* TRELLIS_TUNNEL_CAP_FIREWALL: replace the data-plane rules. rules_json is
   * the network map's firewall section (see docs/netmap.md). THREAD: loop.
   * NULL when unsupported. */
  trellis_status (*set_firewall)(void *instance, const char *rules_json, char **error);

  /* TRELLIS_TUNNEL_CAP_ROUTES: replace the routes through the device.
   * THREAD: loop. NULL when unsupported. */
  trellis_status (*set_routes)(void *instance, const trellis_ip_prefix *routes, size_t count,
                               char **error);
} trellis_tunnel_vtable;

/* ------------------------------------------------------------------------- */
/* Kind: transport                                                           */
/* ------------------------------------------------------------------------- */

typedef enum trellis_transport_state {
  TRELLIS_TRANSPORT_NEW = 0,
  TRELLIS_TRANSPORT_GATHERING = 1,
  TRELLIS_TRANSPORT_CONNECTING = 2,
  TRELLIS_TRANSPORT_CONNECTED = 3,    /* event carries the packet path */
  TRELLIS_TRANSPORT_DISCONNECTED = 4, /* path lost; may recover by itself */
  TRELLIS_TRANSPORT_FAILED = 5        /* gave up; restart or free the session */
} trellis_transport_state;

typedef struct trellis_transport_event {
  uint32_t struct_size;
  trellis_transport_state state;
  /* CONNECTED: the new path. OWNERSHIP: the host takes it and releases it with
   * path->vtable->close. It stays valid (sends fail with TRELLIS_E_CLOSED once
   * lost) until then, even after the session is freed. */
  trellis_packet_path *path;
  const char *detail; /* human-readable reason; borrowed; may be NULL */
} trellis_transport_event;

typedef struct trellis_transport_session_callbacks {
  uint32_t struct_size;
  /* A signaling blob (offer, answer, candidate) for the remote side; the host
   * carries it, sealed end to end, over signal. OWNERSHIP: blob borrowed.
   * THREAD: loop. */
  void (*on_signal)(void *user, const uint8_t *blob, size_t len);
  /* A state change. THREAD: loop. */
  void (*on_state)(void *user, const trellis_transport_event *event);
  void *user;
} trellis_transport_session_callbacks;

typedef struct trellis_transport_session_params {
  uint32_t struct_size;
  uint8_t local_key[TRELLIS_KEY_LEN];  /* WireGuard public keys: identify the pair */
  uint8_t remote_key[TRELLIS_KEY_LEN];
  /* 1 if this side is ICE-controlling. The host decides deterministically (the
   * greater public key controls), so both sides starting at once agree. */
  int32_t controlling;
  /* STUN/TURN servers with short-lived credentials, as management issued them:
   * {"stun":[{"uri":..}],"turn":[{"uri":..,"username":..,"password":..}]}. */
  const char *servers_json;
} trellis_transport_session_params;

typedef struct trellis_transport_vtable {
  uint32_t struct_size;

  /* THREAD: loop. */
  trellis_status (*create)(const trellis_create_params *params, void **instance, char **error);
  /* Frees every session still open. THREAD: loop. */
  void (*destroy)(void *instance);

  /* A session toward one remote peer. Nothing happens until session_start.
   * OWNERSHIP: *session is the plugin's until session_free; callbacks copied.
   * THREAD: loop. */
  trellis_status (*session_new)(void *instance, const trellis_transport_session_params *params,
                                const trellis_transport_session_callbacks *callbacks,
                                void **session, char **error);
  /* Start gathering candidates and emitting signaling blobs. THREAD: loop. */
  trellis_status (*session_start)(void *session, char **error);
  /* Feed a blob the remote side's on_signal produced. Malformed blobs return
   * TRELLIS_E_INVALID and change nothing. THREAD: loop. */
  trellis_status (*session_consume_signal)(void *session, const uint8_t *blob, size_t len,
                                           char **error);
  /* Start over (ICE restart) with fresh credentials, e.g. after FAILED or to
   * retry a direct path in the background. THREAD: loop. */
  trellis_status (*session_restart)(void *session, const char *servers_json, char **error);
  /* Stop the session. After it returns no callback for it runs. A path already
   * handed to the host stays valid until the host closes it. THREAD: loop. */
  void (*session_free)(void *session);
} trellis_transport_vtable;

/* ------------------------------------------------------------------------- */
/* Kind: auth                                                                */
/* ------------------------------------------------------------------------- */

/* Server side: a credential goes in; an identity or a reason comes out.
 * identity_json: {"account":..,"user":..,"groups":[..],"ephemeral":bool,
 *                 "expires_unix":..,"extra":{..}}
 * status: TRELLIS_OK with identity_json, TRELLIS_E_DENIED with a reason the
 * agent may see ("setup key expired"), TRELLIS_E_UNAVAILABLE when the check
 * could not be made (IdP unreachable). */
typedef void (*trellis_auth_done_fn)(void *user, trellis_status status, const char *identity_json,
                                     const char *reason);

typedef struct trellis_auth_request {
  uint32_t struct_size;
  const char *credential_type; /* "setup-key", "oidc-token", "bearer", ... */
  const char *credential;      /* secret; never log it */
  /* What the caller knows: {"peer_key":..,"hostname":..,"remote_addr":..,
   * "purpose":"login"|"api"}. */
  const char *context_json;
} trellis_auth_request;

/* Client side: obtaining a credential for the agent. prompt shows the user what
 * to do (a verification URL and code); done brings back the credential. */
typedef void (*trellis_auth_prompt_fn)(void *user, const char *message, const char *url,
                                       const char *code);
typedef void (*trellis_auth_credential_fn)(void *user, trellis_status status,
                                           const char *credential_type, const char *credential,
                                           const char *reason);

typedef struct trellis_auth_vtable {
  uint32_t struct_size;
  const char *credential_type; /* what authenticate accepts, e.g. "setup-key" */

  /* THREAD: loop. */
  trellis_status (*create)(const trellis_create_params *params, void **instance, char **error);
  /* Cancels pending requests (their done is not called). THREAD: loop. */
  void (*destroy)(void *instance);

  /* Server side. done is called exactly once, on the loop, unless the request
   * is cancelled or the instance destroyed first. *request_id names it for
   * cancel. OWNERSHIP: request borrowed (copy what you keep). THREAD: loop.
   * NULL when the plugin has no server side. */
  trellis_status (*authenticate)(void *instance, const trellis_auth_request *request,
                                 trellis_auth_done_fn done, void *user, uint64_t *request_id);
  /* THREAD: loop. */
  void (*cancel)(void *instance, uint64_t request_id);

  /* Client side. settings_json: what management publishes for this method
   * (issuer, client id, scopes). done is called exactly once on the loop.
   * THREAD: loop. NULL when the plugin has no client side. */
  trellis_status (*obtain_credential)(void *instance, const char *settings_json,
                                      trellis_auth_prompt_fn prompt,
                                      trellis_auth_credential_fn done, void *user,
                                      uint64_t *request_id);
} trellis_auth_vtable;

/* ------------------------------------------------------------------------- */
/* Kind: storage                                                             */
/* ------------------------------------------------------------------------- */

/* Management records are JSON documents in named collections ("peers",
 * "groups", ...), each with an id, an owning account and a revision that grows
 * on every write. The plugin maps collections to real tables with indexes.
 * All calls are blocking and made on pool threads; several threads may call at
 * once, each with its own transaction. A transaction is used by one thread at a
 * time. txn NULL means "a transaction of its own" (autocommit). */
typedef struct trellis_txn trellis_txn;

typedef struct trellis_doc {
  uint32_t struct_size;
  const char *collection;
  const char *id;
  const char *account; /* "" for global records */
  const char *json;
  uint64_t revision;
} trellis_doc;

/* Returns 0 to continue, non-zero to stop. OWNERSHIP: doc borrowed for the
 * call. THREAD: the caller's. */
typedef int (*trellis_doc_visitor)(void *user, const trellis_doc *doc);

typedef struct trellis_event_record {
  uint32_t struct_size;
  uint64_t seq;      /* assigned by the store, increasing */
  int64_t time_unix_ms;
  const char *account;
  const char *json;  /* {"actor":..,"action":..,"target":..,"meta":{..}} */
} trellis_event_record;

typedef int (*trellis_event_visitor)(void *user, const trellis_event_record *event);

typedef struct trellis_storage_vtable {
  uint32_t struct_size;

  /* Opens the database and runs migrations (an older schema is upgraded in
   * place; a newer one refused with a clear error). THREAD: pool. */
  trellis_status (*create)(const trellis_create_params *params, void **instance, char **error);
  /* THREAD: pool. No transaction may be open. */
  void (*destroy)(void *instance);

  /* THREAD: pool (all below). */
  trellis_status (*begin)(void *instance, trellis_txn **txn, char **error);
  /* On failure the transaction is rolled back and freed:
   * TRELLIS_E_UNAVAILABLE means it was rolled back (retry it whole);
   * TRELLIS_E_IO means the outcome is unknown (connection lost in COMMIT). */
  trellis_status (*commit)(trellis_txn *txn, char **error);
  void (*rollback)(trellis_txn *txn);

  /* *doc_out is filled with host-allocated copies of each string (free them
   * with the host's free; trellis::sdk::doc_free in plugin.hpp does it).
   * doc_out->struct_size is the caller's size (0: the callee sets its own).
   * TRELLIS_E_NOT_FOUND if absent. */
  trellis_status (*get)(void *instance, trellis_txn *txn, const char *collection, const char *id,
                        trellis_doc *doc_out, char **error);
  /* Insert or update. expected_revision: TRELLIS_REV_NONE (must not exist),
   * TRELLIS_REV_ANY, or the exact current revision; otherwise
   * TRELLIS_E_CONFLICT (or TRELLIS_E_EXISTS for REV_NONE; an exact revision
   * on a missing document is a CONFLICT too). */
  trellis_status (*put)(void *instance, trellis_txn *txn, const char *collection,
                        const char *account, const char *id, const char *json,
                        uint64_t expected_revision, uint64_t *new_revision, char **error);
  /* expected_revision as for put (REV_NONE is invalid here). A missing
   * document is TRELLIS_E_NOT_FOUND whatever the expected revision. */
  trellis_status (*remove)(void *instance, trellis_txn *txn, const char *collection,
                           const char *id, uint64_t expected_revision, char **error);
  /* Visit documents of a collection in id order: account NULL for all
   * accounts; field/value non-NULL to keep only documents whose top-level
   * string field equals value (indexed where the plugin can). */
  trellis_status (*scan)(void *instance, trellis_txn *txn, const char *collection,
                         const char *account, const char *field, const char *value,
                         trellis_doc_visitor visit, void *user, char **error);

  /* Activity log: append in the same transaction as the change it records. */
  trellis_status (*append_event)(void *instance, trellis_txn *txn, const char *account,
                                 const char *json, uint64_t *seq_out, char **error);
  /* Visit up to limit events of an account (NULL: all) with seq > after_seq,
   * oldest first; committed events only. Visitors of scan and page_events may
   * call back into the store. */
  trellis_status (*page_events)(void *instance, const char *account, uint64_t after_seq,
                                uint32_t limit, trellis_event_visitor visit, void *user,
                                char **error);

  /* Schema version and backend description for `trellis status` and logs,
   * e.g. "sqlite 3.40.1 schema 1". OWNERSHIP: host-allocated. */
  trellis_status (*describe)(void *instance, char **text_out, char **error);
} trellis_storage_vtable;

/* ------------------------------------------------------------------------- */
/* The descriptor and the entry point                                        */
/* ------------------------------------------------------------------------- */

typedef struct trellis_plugin_descriptor {
  uint32_t struct_size;
  uint16_t abi_major; /* TRELLIS_ABI_MAJOR the plugin was built with */
  uint16_t abi_minor;
  trellis_plugin_kind kind;
  const char *name;        /* unique per kind, [a-z0-9-]+ */
  const char *version;     /* the plugin's own version, e.g. "0.1.0" */
  const char *description; /* one line */
  /* Points to the kind's vtable (trellis_tunnel_vtable, ...), which starts with
   * its struct_size. */
  const void *vtable;
} trellis_plugin_descriptor;

/* The entry. Called once, on the loop thread, before the loop runs. The plugin
 * keeps `host` and `ctx` for its whole life (they outlive it). Returns NULL to
 * refuse loading (having logged why through host->log).
 * OWNERSHIP: the descriptor and everything it points to belong to the plugin
 * and must live until the library is unloaded (use static storage).
 * THREAD: loop. */
typedef const trellis_plugin_descriptor *(*trellis_plugin_entry_fn)(const trellis_host_api *host,
                                                                   trellis_host_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* TRELLIS_PLUGIN_H */
