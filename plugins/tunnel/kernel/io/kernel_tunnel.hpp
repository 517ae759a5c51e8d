// SPDX-License-Identifier: Apache-2.0
// One kernel tunnel instance: a Linux WireGuard interface driven over
// rtnetlink and the "wireguard" generic netlink family, behind the tunnel
// vtable. Everything runs on the host's loop thread; the kernel moves the
// packets. Events (handshake, roaming, stale, down) come from sampling the
// device on a host timer and on every get_stats, and reach the host through
// its `post`.
//
// States (transitions in one place each, see the .cpp):
//   kDown  no device: after create, down, or a failed up
//   kUp    the device exists (created or adopted) and is configured
//   kLost  the device vanished underneath us (deleted by someone else);
//          configuration calls fail with TRELLIS_E_CLOSED until down/up
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trellis/plugin.hpp>

#include "core/config.hpp"
#include "core/device.hpp"
#include "core/stats_watcher.hpp"
#include "io/route_netlink.hpp"
#include "io/wireguard_netlink.hpp"

namespace trellis::tunnel_kernel {

class KernelTunnel {
 public:
  // Resolves the WireGuard family at once, so a kernel without WireGuard is
  // refused at create. Throws sdk::Error.
  KernelTunnel(const trellis_create_params &params, trellis_tunnel_event_fn on_event,
               void *event_user);
  // Deletes the device if up. Never throws.
  ~KernelTunnel();
  KernelTunnel(const KernelTunnel &) = delete;
  KernelTunnel &operator=(const KernelTunnel &) = delete;

  // All below: loop thread; throw sdk::Error on failure.
  void up(const std::string &ifname, const trellis_tunnel_interface &settings);
  void set_interface(const trellis_tunnel_interface &settings);
  void down();
  void set_peer(const trellis_tunnel_peer &peer);
  void remove_peer(const PublicKey &key);
  // out points at capacity entries of the caller's struct size.
  void get_stats(trellis_tunnel_peer_stats *out, size_t capacity, size_t *count);
  void set_routes(const trellis_ip_prefix *routes, size_t count);

  const sdk::Logger &log() const { return log_; }

 private:
  enum class State { kDown, kUp, kLost };

  void require_up(const char *what) const;
  Device identity() const;
  void apply_settings(const trellis_tunnel_interface &settings, bool creating);
  void replace_addresses(const std::vector<IpPrefix> &wanted);
  // Reads the device, feeds the watcher, posts events. nullopt if it vanished.
  std::optional<Device> sample();
  void emit(std::vector<TunnelEvent> &events);
  void arm_poll();
  static void on_poll(void *self);
  static void on_deliver(void *self);

  const trellis_host_api *api_;
  trellis_host_ctx *ctx_;
  trellis_tunnel_event_fn on_event_;
  void *event_user_;
  sdk::Logger log_;
  Config config_;
  WireguardNetlink wg_;
  RouteNetlink rtnl_;
  StatsWatcher watcher_;

  State state_ = State::kDown;
  std::string ifname_;
  uint32_t ifindex_ = 0;
  bool created_ = false;  // up made the link (down deletes it) or adopted it
  trellis_timer *poll_timer_ = nullptr;
  std::vector<trellis_tunnel_event> pending_;
  bool deliver_posted_ = false;
};

}  // namespace trellis::tunnel_kernel
