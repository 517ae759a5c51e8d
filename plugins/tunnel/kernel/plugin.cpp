// SPDX-License-Identifier: Apache-2.0
// ABI glue of the "kernel" tunnel plugin: Linux's in-kernel WireGuard driven
// over netlink. Each entry checks its arguments, reads sized structs the
// host's way, and calls KernelTunnel inside the SDK's exception barrier. No
// packet path (the host bridges transports to a loopback UDP endpoint) and no
// firewall; routes are set through the device.
#include <trellis/plugin.hpp>

#include <cstring>

#include "io/kernel_tunnel.hpp"

namespace {

using trellis::sdk::barrier;
using trellis::sdk::Error;
using trellis::sdk::read_sized;
using trellis::tunnel_kernel::KernelTunnel;
using trellis::tunnel_kernel::PublicKey;

KernelTunnel &self(void *instance) {
  if (instance == nullptr) throw Error(TRELLIS_E_INVALID, "instance is NULL");
  return *static_cast<KernelTunnel *>(instance);
}

template <typename T>
T required(const T *in, const char *what) {
  if (in == nullptr) throw Error(TRELLIS_E_INVALID, std::string(what) + " is NULL");
  return read_sized(in);
}

trellis_status create(const trellis_create_params *params, trellis_tunnel_event_fn on_event,
                      void *event_user, void **instance, char **error) {
  return barrier(error, [&] {
    const trellis_create_params p = required(params, "params");
    if (instance == nullptr) throw Error(TRELLIS_E_INVALID, "instance is NULL");
    *instance = new KernelTunnel(p, on_event, event_user);
  });
}

void destroy(void *instance) {
  trellis::sdk::barrier_void([&] { delete static_cast<KernelTunnel *>(instance); });
}

trellis_status up(void *instance, const char *ifname, const trellis_tunnel_interface *settings,
                  char **error) {
  return barrier(error, [&] {
    if (ifname == nullptr) throw Error(TRELLIS_E_INVALID, "ifname is NULL");
    self(instance).up(ifname, required(settings, "settings"));
  });
}

trellis_status set_interface(void *instance, const trellis_tunnel_interface *settings,
                             char **error) {
  return barrier(error, [&] { self(instance).set_interface(required(settings, "settings")); });
}

trellis_status down(void *instance, char **error) {
  return barrier(error, [&] { self(instance).down(); });
}

trellis_status set_peer(void *instance, const trellis_tunnel_peer *peer, char **error) {
  return barrier(error, [&] { self(instance).set_peer(required(peer, "peer")); });
}

trellis_status remove_peer(void *instance, const uint8_t public_key[TRELLIS_KEY_LEN],
                           char **error) {
  return barrier(error, [&] {
    if (public_key == nullptr) throw Error(TRELLIS_E_INVALID, "public_key is NULL");
    PublicKey key;
    std::memcpy(key.data(), public_key, key.size());
    self(instance).remove_peer(key);
  });
}

trellis_status get_stats(void *instance, trellis_tunnel_peer_stats *out, size_t capacity,
                         size_t *count) {
  // No error out-parameter here: log the reason instead of losing it.
  char *error = nullptr;
  const trellis_status status =
      barrier(&error, [&] { self(instance).get_stats(out, capacity, count); });
  if (error != nullptr) {
    const trellis::sdk::Logger log = instance != nullptr ? self(instance).log() : trellis::sdk::Logger();
    log.warn(std::string("get_stats: ") + error);
    trellis::sdk::host().api->free(error);
  }
  return status;
}

trellis_status set_routes(void *instance, const trellis_ip_prefix *routes, size_t count,
                          char **error) {
  return barrier(error, [&] { self(instance).set_routes(routes, count); });
}

trellis_tunnel_vtable vtable = {
    0,  // struct_size: set by TRELLIS_DECLARE_PLUGIN
    TRELLIS_TUNNEL_CAP_ROUTES,
    create,
    destroy,
    up,
    set_interface,
    down,
    set_peer,
    remove_peer,
    get_stats,
    nullptr,  // set_peer_path: the host bridges the packet path over loopback UDP
    nullptr,  // set_firewall
    set_routes,
};

}  // namespace

TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_TUNNEL, "kernel", "0.1.0",
                       "Linux kernel WireGuard over rtnetlink and generic netlink", vtable)
