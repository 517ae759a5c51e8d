// SPDX-License-Identifier: Apache-2.0
// One tunnel instance over wireguard-nt: the tunnel vtable's operations on a
// driver adapter, its addresses, MTU and routes. plugin.cpp wraps each method
// in the SDK's exception barrier; errors are sdk::Error. Loop thread only,
// except the driver's log callback (any thread; it only calls the host log).
//
// States (transitions in the methods named):
//   kDown  no adapter (create, down)
//   kUp    adapter configured and up (up)
//   kLost  the adapter stopped answering while up (poll); every call but
//          down and get_stats fails with TRELLIS_E_CLOSED until down
//
// Timer: one poll every poll_interval_ms while kUp, reading the driver's
// configuration into PeerWatch for handshake, roaming and stale events.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <trellis/plugin.hpp>

#include "core/model.hpp"
#include "core/peer_watch.hpp"
#include "core/plugin_config.hpp"
#include "io/adapter.hpp"
#include "io/wireguard_dll.hpp"

namespace trellis::wgnt {

struct InterfaceSettings;

class NtTunnel {
 public:
  enum class State { kDown, kUp, kLost };

  // Parses the config and loads wireguard.dll (TRELLIS_E_UNAVAILABLE without it).
  NtTunnel(const trellis_create_params &params, trellis_tunnel_event_fn on_event, void *event_user);
  ~NtTunnel();
  NtTunnel(const NtTunnel &) = delete;
  NtTunnel &operator=(const NtTunnel &) = delete;

  void up(const char *ifname, const trellis_tunnel_interface *settings);
  void set_interface(const trellis_tunnel_interface *settings);
  void down();
  void set_peer(const trellis_tunnel_peer *peer);
  void remove_peer(const uint8_t *public_key);
  // Writes up to capacity entries; returns the number of peers.
  size_t get_stats(trellis_tunnel_peer_stats *out, size_t capacity);
  void set_routes(const trellis_ip_prefix *routes, size_t count);

 private:
  void require_up() const;
  void apply(const InterfaceSettings &s, bool replace_peers);
  InterfaceState read_state() const;
  static void on_poll_timer(void *self);
  void poll();
  void emit(const PeerEvent &e);
  void enable_driver_log();
  void disable_driver_log() noexcept;

  trellis_host_ctx *ctx_;
  sdk::Logger log_;
  std::string instance_name_;
  PluginConfig cfg_;
  trellis_tunnel_event_fn on_event_;
  void *event_user_;
  std::unique_ptr<WireGuardDll> dll_;  // outlives adapter_ (declared first)
  bool driver_log_on_ = false;

  State state_ = State::kDown;
  std::optional<Adapter> adapter_;
  std::string ifname_;
  NET_LUID luid_{};
  std::map<IpPrefix, bool> routes_;  // the host's routes; true: this instance created it
  PeerWatch watch_;
  sdk::Timer poll_timer_;
  int poll_failures_ = 0;
};

}  // namespace trellis::wgnt
