// SPDX-License-Identifier: Apache-2.0
// The kernel tunnel instance: interface lifecycle, peers, statistics, routes
// and sampled events. States are listed in kernel_tunnel.hpp.
#include "io/kernel_tunnel.hpp"

#include <linux/wireguard.h>
#include <time.h>

#include <algorithm>
#include <cstring>

#include "core/abi_convert.hpp"

namespace trellis::tunnel_kernel {
namespace {

constexpr const char *kKind = "wireguard";

int64_t unix_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void check(Status s, const std::string &what) {
  if (!s) throw sdk::Error(TRELLIS_E_INVALID, what + ": " + s.message());
}

Config config_of(const trellis_create_params &params) {
  Config c;
  check(parse_config(params.config_json, c), "kernel tunnel configuration");
  return c;
}

}  // namespace

KernelTunnel::KernelTunnel(const trellis_create_params &params, trellis_tunnel_event_fn on_event,
                           void *event_user)
    : api_(sdk::host().api),
      ctx_(params.ctx),
      on_event_(on_event),
      event_user_(event_user),
      log_(params.ctx),
      config_(config_of(params)) {
  if (config_.poll_interval_ms != 0 && api_->timer_new != nullptr) {
    poll_timer_ = api_->timer_new(ctx_, &KernelTunnel::on_poll, this);
  }
  if (config_.poll_interval_ms != 0 && poll_timer_ == nullptr) {
    log_.info("host has no timers: tunnel events are sampled on get_stats only");
  }
}

KernelTunnel::~KernelTunnel() {
  if (poll_timer_ != nullptr) api_->timer_free(poll_timer_);
  if (state_ == State::kDown) return;
  try {
    rtnl_.delete_link(ifindex_);
  } catch (const std::exception &e) {
    log_.warn(std::string("removing ") + ifname_ + " on destroy: " + e.what());
  }
}

// ---------------------------------------------------------------------------
// Interface lifecycle

void KernelTunnel::up(const std::string &ifname, const trellis_tunnel_interface &settings) {
  switch (state_) {
    case State::kUp:
      throw sdk::Error(TRELLIS_E_INVALID, "interface " + ifname_ + " is already up; call down first");
    case State::kLost:
    case State::kDown:
      break;
  }
  bool created = false;
  std::optional<LinkInfo> link = rtnl_.get_link(ifname);
  if (link && link->kind != kKind) {
    throw sdk::Error(TRELLIS_E_EXISTS, "interface " + ifname + " exists and is not a WireGuard device" +
                                           (link->kind.empty() ? "" : " (kind " + link->kind + ")"));
  }
  if (!link) {
    try {
      rtnl_.create_link(ifname, kKind);
    } catch (const sdk::Error &e) {
      if (e.status() != TRELLIS_E_UNSUPPORTED) throw;
      throw sdk::Error(TRELLIS_E_UNSUPPORTED, std::string(e.what()) +
                                                  ": kernel has no WireGuard link type (modprobe wireguard)");
    }
    created = true;
    link = rtnl_.get_link(ifname);
    if (!link) throw sdk::Error(TRELLIS_E_IO, "interface " + ifname + " vanished right after creation");
  }
  ifname_ = ifname;
  ifindex_ = link->ifindex;
  try {
    apply_settings(settings, true);
  } catch (...) {
    if (created) {
      try {
        rtnl_.delete_link(ifindex_);
      } catch (const std::exception &e) {
        log_.warn(std::string("rolling back ") + ifname + ": " + e.what());
      }
    }
    throw;
  }
  state_ = State::kUp;
  created_ = created;
  watcher_.reset();
  log_.info((created ? "created " : "adopted ") + ifname + " (ifindex " + std::to_string(ifindex_) + ")");
  arm_poll();
}

void KernelTunnel::set_interface(const trellis_tunnel_interface &settings) {
  require_up("set_interface");
  apply_settings(settings, false);
}

// Device settings first, so the key is in place before the link carries
// traffic; then MTU and (on up) IFF_UP in one request; then addresses.
void KernelTunnel::apply_settings(const trellis_tunnel_interface &settings, bool creating) {
  std::vector<IpPrefix> addresses;
  if ((settings.flags & TRELLIS_IF_HAS_ADDRESSES) != 0) {
    check(prefixes_from_abi(settings.addresses, settings.address_count, addresses), "address");
  }
  Device dev = identity();
  settings_from_abi(settings, dev);
  if (dev.has != identity().has) wg_.set_device(dev, config_.message_size, "configuring " + ifname_);
  std::optional<uint32_t> mtu;
  if ((settings.flags & TRELLIS_IF_HAS_MTU) != 0) mtu = settings.mtu;
  if (mtu || creating) rtnl_.set_link(ifindex_, creating ? std::optional<bool>(true) : std::nullopt, mtu);
  if ((settings.flags & TRELLIS_IF_HAS_ADDRESSES) != 0) replace_addresses(addresses);
}

void KernelTunnel::replace_addresses(const std::vector<IpPrefix> &wanted) {
  const std::vector<AddressInfo> current = rtnl_.addresses(ifindex_);
  for (const AddressInfo &a : current) {
    if (std::find(wanted.begin(), wanted.end(), a.prefix) == wanted.end()) {
      rtnl_.delete_address(ifindex_, a.prefix);
    }
  }
  for (const IpPrefix &p : wanted) {
    const bool present = std::any_of(current.begin(), current.end(),
                                     [&p](const AddressInfo &a) { return a.prefix == p; });
    if (!present) rtnl_.add_address(ifindex_, p);
  }
}

void KernelTunnel::down() {
  switch (state_) {
    case State::kDown:
      return;
    case State::kUp:
    case State::kLost:
      if (poll_timer_ != nullptr) api_->timer_cancel(poll_timer_);
      if (created_ || state_ == State::kLost) {
        log_.info(rtnl_.delete_link(ifindex_) ? "deleted " + ifname_ : ifname_ + " was already gone");
      } else {
        // An adopted device stays; only what this tunnel set goes (ABI: down).
        set_routes(nullptr, 0);
        Device dev = identity();
        dev.flags = WGDEVICE_F_REPLACE_PEERS;
        dev.has |= Device::kFlags;
        wg_.set_device(dev, config_.message_size, "clearing peers of " + ifname_);
        log_.info("left adopted " + ifname_ + " in place without our peers and routes");
      }
      state_ = State::kDown;
      watcher_.reset();
      return;
  }
}

// ---------------------------------------------------------------------------
// Peers and statistics

void KernelTunnel::set_peer(const trellis_tunnel_peer &in) {
  require_up("set_peer");
  Device dev = identity();
  Peer peer;
  check(peer_from_abi(in, peer), "set_peer");
  const Endpoint endpoint = peer.endpoint;
  const bool has_endpoint = (peer.has & Peer::kEndpoint) != 0;
  const PublicKey key = peer.public_key;
  dev.peers.push_back(std::move(peer));
  wg_.set_device(dev, config_.message_size, "setting peer on " + ifname_);
  if (has_endpoint) watcher_.on_endpoint_configured(key, endpoint);
}

void KernelTunnel::remove_peer(const PublicKey &key) {
  require_up("remove_peer");
  // The kernel ignores WGPEER_F_REMOVE_ME for an unknown key; look first so an
  // absent peer is reported as the ABI asks.
  const std::optional<Device> current = sample();
  if (!current) throw sdk::Error(TRELLIS_E_CLOSED, "interface " + ifname_ + " has disappeared");
  const bool known = std::any_of(current->peers.begin(), current->peers.end(),
                                 [&key](const Peer &p) { return p.public_key == key; });
  if (!known) throw sdk::Error(TRELLIS_E_NOT_FOUND, "no such peer on " + ifname_);
  Device dev = identity();
  Peer peer;
  peer.public_key = key;
  peer.flags = WGPEER_F_REMOVE_ME;
  peer.has = Peer::kFlags;
  dev.peers.push_back(std::move(peer));
  wg_.set_device(dev, config_.message_size, "removing peer from " + ifname_);
  watcher_.on_peer_removed(key);
}

void KernelTunnel::get_stats(trellis_tunnel_peer_stats *out, size_t capacity, size_t *count) {
  require_up("get_stats");
  if (capacity != 0 && out == nullptr) throw sdk::Error(TRELLIS_E_INVALID, "get_stats: out is NULL");
  const std::optional<Device> dev = sample();
  if (!dev) throw sdk::Error(TRELLIS_E_CLOSED, "interface " + ifname_ + " has disappeared");
  // The caller's array may be of an older, shorter struct: step by its size.
  const size_t stride = capacity != 0 && out->struct_size != 0 ? out->struct_size : sizeof(*out);
  if (stride < offsetof(trellis_tunnel_peer_stats, endpoint)) {
    throw sdk::Error(TRELLIS_E_ABI, "get_stats: struct_size " + std::to_string(stride) + " too small");
  }
  auto *base = reinterpret_cast<uint8_t *>(out);
  const size_t n = std::min(capacity, dev->peers.size());
  for (size_t i = 0; i < n; ++i) {
    trellis_tunnel_peer_stats s = stats_to_abi(dev->peers[i]);
    s.struct_size = static_cast<uint32_t>(stride);  // plugin.h: each entry's size is the stride
    std::memcpy(base + i * stride, &s, std::min(stride, sizeof(s)));
  }
  if (count != nullptr) *count = dev->peers.size();
}

std::optional<Device> KernelTunnel::sample() {
  std::optional<Device> dev = wg_.get_device(ifname_);
  std::vector<TunnelEvent> events;
  if (!dev) {
    state_ = State::kLost;
    watcher_.on_device_gone(events);
  } else {
    std::vector<PeerSample> samples;
    samples.reserve(dev->peers.size());
    for (const Peer &p : dev->peers) samples.push_back(sample_of(p));
    watcher_.on_sample(samples, unix_now_ns(), events);
  }
  emit(events);
  return dev;
}

// ---------------------------------------------------------------------------
// Routes

void KernelTunnel::set_routes(const trellis_ip_prefix *routes, size_t count) {
  require_up("set_routes");
  std::vector<IpPrefix> prefixes;
  check(prefixes_from_abi(routes, count, prefixes), "set_routes");
  std::vector<Route> wanted;
  for (const IpPrefix &p : prefixes) {
    Route r;
    r.ifindex = ifindex_;
    r.dst = masked(p);
    r.table = config_.route_table;
    r.protocol = config_.route_protocol;
    r.metric = config_.route_metric;
    if (std::find(wanted.begin(), wanted.end(), r) == wanted.end()) wanted.push_back(r);
  }
  const std::vector<Route> current = rtnl_.routes(ifindex_, config_.route_table, config_.route_protocol);
  for (const Route &r : current) {
    if (std::find(wanted.begin(), wanted.end(), r) == wanted.end()) rtnl_.delete_route(r);
  }
  for (const Route &r : wanted) {
    if (std::find(current.begin(), current.end(), r) == current.end()) rtnl_.add_route(r);
  }
}

// ---------------------------------------------------------------------------
// Plumbing

void KernelTunnel::require_up(const char *what) const {
  switch (state_) {
    case State::kUp:
      return;
    case State::kDown:
      throw sdk::Error(TRELLIS_E_INVALID, std::string(what) + ": the tunnel is not up");
    case State::kLost:
      throw sdk::Error(TRELLIS_E_CLOSED,
                       std::string(what) + ": interface " + ifname_ + " has disappeared");
  }
}

Device KernelTunnel::identity() const {
  Device dev;
  dev.has = Device::kIfname;
  dev.ifname = ifname_;
  return dev;
}

void KernelTunnel::emit(std::vector<TunnelEvent> &events) {
  if (events.empty() || on_event_ == nullptr) return;
  for (const TunnelEvent &e : events) pending_.push_back(event_to_abi(e));
  if (deliver_posted_) return;
  if (api_->post != nullptr && api_->post(ctx_, &KernelTunnel::on_deliver, this) == TRELLIS_OK) {
    deliver_posted_ = true;
    return;
  }
  log_.debug("host refused post: dropping " + std::to_string(pending_.size()) + " tunnel events");
  pending_.clear();
}

void KernelTunnel::on_deliver(void *user) {
  auto *self = static_cast<KernelTunnel *>(user);
  sdk::barrier_void([self] {
    self->deliver_posted_ = false;
    std::vector<trellis_tunnel_event> batch;
    batch.swap(self->pending_);
    for (const trellis_tunnel_event &e : batch) self->on_event_(self->event_user_, &e);
  });
}

void KernelTunnel::arm_poll() {
  if (poll_timer_ != nullptr && state_ == State::kUp) {
    api_->timer_arm(poll_timer_, uint64_t{config_.poll_interval_ms} * 1'000'000);
  }
}

void KernelTunnel::on_poll(void *user) {
  auto *self = static_cast<KernelTunnel *>(user);
  sdk::barrier_void([self] {
    if (self->state_ != State::kUp) return;
    try {
      self->sample();
    } catch (const std::exception &e) {
      self->log_.warn(std::string("sampling ") + self->ifname_ + ": " + e.what());
    }
    self->arm_poll();
  });
}

}  // namespace trellis::tunnel_kernel
