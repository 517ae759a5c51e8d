// SPDX-License-Identifier: Apache-2.0
// ABI glue of the wireguard-nt tunnel plugin: the tunnel vtable, each entry an
// exception barrier around an NtTunnel method, and the one exported entry
// symbol. Capabilities: ROUTES. No packet path (the host bridges transports
// to a loopback UDP endpoint) and no firewall. Windows only.
#include <trellis/plugin.hpp>

#include "io/nt_tunnel.hpp"

namespace {

using trellis::wgnt::NtTunnel;
namespace sdk = trellis::sdk;

NtTunnel &self(void *instance) {
  if (instance == nullptr) throw sdk::Error(TRELLIS_E_INVALID, "no instance");
  return *static_cast<NtTunnel *>(instance);
}

trellis_status create(const trellis_create_params *params, trellis_tunnel_event_fn on_event,
                      void *event_user, void **instance, char **error) {
  return sdk::barrier(error, [&] {
    if (params == nullptr || instance == nullptr)
      throw sdk::Error(TRELLIS_E_INVALID, "create: params and instance are required");
    *instance = new NtTunnel(sdk::read_sized(params), on_event, event_user);
  });
}

void destroy(void *instance) {
  sdk::barrier_void([&] { delete static_cast<NtTunnel *>(instance); });
}

trellis_status up(void *instance, const char *ifname, const trellis_tunnel_interface *settings,
                  char **error) {
  return sdk::barrier(error, [&] { self(instance).up(ifname, settings); });
}

trellis_status set_interface(void *instance, const trellis_tunnel_interface *settings, char **error) {
  return sdk::barrier(error, [&] { self(instance).set_interface(settings); });
}

trellis_status down(void *instance, char **error) {
  return sdk::barrier(error, [&] { self(instance).down(); });
}

trellis_status set_peer(void *instance, const trellis_tunnel_peer *peer, char **error) {
  return sdk::barrier(error, [&] { self(instance).set_peer(peer); });
}

trellis_status remove_peer(void *instance, const uint8_t public_key[TRELLIS_KEY_LEN], char **error) {
  return sdk::barrier(error, [&] { self(instance).remove_peer(public_key); });
}

trellis_status get_stats(void *instance, trellis_tunnel_peer_stats *out, size_t capacity,
                         size_t *count) {
  return sdk::barrier(nullptr, [&] {
    const size_t n = self(instance).get_stats(out, capacity);
    if (count != nullptr) *count = n;
  });
}

trellis_status set_routes(void *instance, const trellis_ip_prefix *routes, size_t count,
                          char **error) {
  return sdk::barrier(error, [&] { self(instance).set_routes(routes, count); });
}

}  // namespace

static trellis_tunnel_vtable wgnt_vtable = {
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
    nullptr,  // set_peer_path: no packet path
    nullptr,  // set_firewall
    set_routes,
};

TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_TUNNEL, "wireguard-nt", "0.1.0",
                       "WireGuard through the wireguard-nt driver (Windows)", wgnt_vtable)
