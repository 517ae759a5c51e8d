// SPDX-License-Identifier: Apache-2.0
// One tunnel instance over wireguard-nt (see nt_tunnel.hpp for its states).
#include "io/nt_tunnel.hpp"

#include <cstdio>
#include <cstring>
#include <map>
#include <span>

#include "core/abi_convert.hpp"
#include "core/config_codec.hpp"
#include "core/filetime.hpp"
#include "core/guid.hpp"
#include "core/prefix.hpp"
#include "core/text.hpp"
#include "io/ip_helper.hpp"
#include "io/win_error.hpp"

namespace trellis::wgnt {
namespace {

constexpr int kPollFailuresLost = 3;

// The driver's logger is one global per loaded wireguard.dll: count the
// instances that want it, per module. Loop thread only.
std::map<HMODULE, int> &driver_log_users() {
  static std::map<HMODULE, int> users;
  return users;
}

// THREAD: any of the DLL's threads.
void CALLBACK on_driver_log(int level, DWORD64 /*timestamp*/, LPCWSTR message) {
  if (message == nullptr) return;
  const trellis_log_level l = level == kWgLogErr    ? TRELLIS_LOG_ERROR
                              : level == kWgLogWarn ? TRELLIS_LOG_WARN
                                                    : TRELLIS_LOG_INFO;
  try {
    sdk::Logger().log(l, "wireguard-nt: " + win::narrow(message));
  } catch (...) {
  }
}

GUID to_windows(const Guid &g) {
  GUID out;
  out.Data1 = g.data1;
  out.Data2 = g.data2;
  out.Data3 = g.data3;
  for (int i = 0; i < 8; ++i) out.Data4[i] = g.data4[i];
  return out;
}

int64_t wall_clock_unix_ns() {
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  return filetime_to_unix_ns(static_cast<uint64_t>(ft.dwHighDateTime) << 32 | ft.dwLowDateTime);
}

std::string luid_text(NET_LUID luid) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(luid.Value));
  return buf;
}

}  // namespace

NtTunnel::NtTunnel(const trellis_create_params &params, trellis_tunnel_event_fn on_event,
                   void *event_user)
    : ctx_(params.ctx),
      log_(params.ctx),
      instance_name_(params.instance_name != nullptr ? params.instance_name : ""),
      cfg_(parse_plugin_config(params.config_json != nullptr ? params.config_json : "{}")),
      on_event_(on_event),
      event_user_(event_user),
      dll_(WireGuardDll::load(cfg_.dll_path)) {
  if (cfg_.poll_interval_ms > 0) poll_timer_ = sdk::Timer(ctx_, &NtTunnel::on_poll_timer, this);
  if (cfg_.driver_log) enable_driver_log();
  log_.debug("using " + dll_->path());
}

NtTunnel::~NtTunnel() {
  try {
    down();
  } catch (const std::exception &e) {
    log_.warn(std::string("tearing down: ") + e.what());
  }
  poll_timer_.reset();
  disable_driver_log();
}

void NtTunnel::enable_driver_log() {
  if (driver_log_users()[dll_->module()]++ == 0) dll_->set_logger(&on_driver_log);
  driver_log_on_ = true;
}

void NtTunnel::disable_driver_log() noexcept {
  if (!driver_log_on_) return;
  driver_log_on_ = false;
  auto it = driver_log_users().find(dll_->module());
  if (it != driver_log_users().end() && --it->second == 0) {
    dll_->set_logger(nullptr);
    driver_log_users().erase(it);
  }
}

void NtTunnel::require_up() const {
  if (state_ == State::kDown) throw sdk::Error(TRELLIS_E_CLOSED, "tunnel is down");
  if (state_ == State::kLost)
    throw sdk::Error(TRELLIS_E_CLOSED, "adapter " + ifname_ + " stopped answering; call down");
}

void NtTunnel::up(const char *ifname, const trellis_tunnel_interface *settings) {
  if (state_ != State::kDown)
    throw sdk::Error(TRELLIS_E_EXISTS, "tunnel " + ifname_ + " is already up; call down first");
  if (ifname == nullptr) throw sdk::Error(TRELLIS_E_INVALID, "ifname missing");
  const InterfaceSettings s = interface_from_abi(settings);
  const std::wstring name = win::wide(adapter_name(ifname, "ifname"));
  const std::wstring pool = win::wide(adapter_name(cfg_.adapter_pool, "adapter_pool"));
  const Guid guid = cfg_.guid ? *cfg_.guid : derive_adapter_guid(cfg_.adapter_pool, ifname);

  // Until the end, a failure closes `adapter`, which removes it if created here.
  Adapter adapter = Adapter::open_or_create(*dll_, name, pool, to_windows(guid));
  if (cfg_.driver_log) adapter.set_logging(true);
  InterfaceUpdate fresh = s.wg;
  fresh.replace_peers = true;  // an adopted adapter starts without its old peers
  adapter.set_configuration(encode_configuration(fresh, {}));
  const NET_LUID luid = adapter.luid();
  if (s.mtu && !iphlp::set_mtu(luid, *s.mtu) && *s.mtu < kMinMtuIpv6)
    log_.info("MTU " + std::to_string(*s.mtu) + " is below IPv6's minimum; IPv6 keeps its own");
  if (s.addresses) iphlp::replace_addresses(luid, *s.addresses);
  adapter.set_state(true);

  const DWORD version = dll_->get_running_driver_version();
  log_.info(std::string(adapter.created() ? "created" : "adopted") + " adapter " + ifname + " (pool " +
            cfg_.adapter_pool + ", GUID " + format_guid(guid) + ", LUID " + luid_text(luid) +
            ", driver " + std::to_string(version >> 16) + "." + std::to_string(version & 0xffff) + ")");
  adapter_ = std::move(adapter);
  ifname_ = ifname;
  luid_ = luid;
  routes_.clear();
  watch_.reset();
  poll_failures_ = 0;
  state_ = State::kUp;
  if (cfg_.poll_interval_ms > 0) poll_timer_.arm_ns(uint64_t{cfg_.poll_interval_ms} * 1'000'000);
}

void NtTunnel::set_interface(const trellis_tunnel_interface *settings) {
  require_up();
  const InterfaceSettings s = interface_from_abi(settings);
  if (s.wg.private_key || s.wg.listen_port) adapter_->set_configuration(encode_configuration(s.wg, {}));
  if (s.mtu) iphlp::set_mtu(luid_, *s.mtu);
  if (s.addresses) iphlp::replace_addresses(luid_, *s.addresses);
}

void NtTunnel::down() {
  if (state_ == State::kDown) return;
  poll_timer_.cancel();
  auto best_effort = [&](const char *what, auto &&f) {
    try {
      f();
    } catch (const std::exception &e) {
      log_.warn(std::string(what) + ": " + e.what());
    }
  };
  best_effort("setting the adapter down", [&] { adapter_->set_state(false); });
  if (!adapter_->created()) {
    // Closing an adopted adapter leaves it in place: take our peers and routes
    // out of it first. (A created one is removed with everything on it.)
    best_effort("removing peers", [&] {
      InterfaceUpdate clear;
      clear.replace_peers = true;
      adapter_->set_configuration(encode_configuration(clear, {}));
    });
    for (const auto &[prefix, owned] : routes_)
      if (owned) best_effort("removing a route", [&] { iphlp::delete_route(luid_, prefix); });
  }
  adapter_.reset();
  routes_.clear();
  watch_.reset();
  state_ = State::kDown;
  log_.info("adapter " + ifname_ + " down");
}

void NtTunnel::set_peer(const trellis_tunnel_peer *peer) {
  require_up();
  const PeerUpdate p = peer_from_abi(peer);
  adapter_->set_configuration(encode_configuration({}, std::span<const PeerUpdate>(&p, 1)));
  if (p.endpoint) watch_.on_endpoint_set(p.public_key, *p.endpoint);
}

void NtTunnel::remove_peer(const uint8_t *public_key) {
  require_up();
  PeerUpdate p;
  p.public_key = key_from_abi(public_key);
  p.remove = true;
  // The driver accepts removing an absent peer silently; the ABI wants NOT_FOUND.
  if (read_state().find(p.public_key) == nullptr)
    throw sdk::Error(TRELLIS_E_NOT_FOUND, "no peer " + base64(p.public_key));
  adapter_->set_configuration(encode_configuration({}, std::span<const PeerUpdate>(&p, 1)));
  watch_.on_peer_removed(p.public_key);
}

size_t NtTunnel::get_stats(trellis_tunnel_peer_stats *out, size_t capacity) {
  if (state_ == State::kDown) return 0;
  const InterfaceState st = read_state();
  stats_to_abi(st.peers, out, capacity);
  return st.peers.size();
}

void NtTunnel::set_routes(const trellis_ip_prefix *routes, size_t count) {
  require_up();
  const std::vector<IpPrefix> desired = prefixes_from_abi(routes, count, "route", true);
  std::vector<IpPrefix> current;
  for (const auto &[prefix, owned] : routes_) current.push_back(prefix);
  const PrefixDiff d = diff_prefixes(current, desired);
  // routes_ follows each step, so after a failure it still says what is installed.
  for (const IpPrefix &p : d.remove) {
    if (routes_[p]) iphlp::delete_route(luid_, p);
    routes_.erase(p);
  }
  // A route that already existed (the on-link route of an interface address)
  // is not ours to delete later.
  for (const IpPrefix &p : d.add) routes_[p] = iphlp::add_route(luid_, p);
}

InterfaceState NtTunnel::read_state() const {
  const WipedBuffer buf = adapter_->get_configuration();  // holds the private key: wiped
  return decode_configuration(buf.bytes());
}

void NtTunnel::on_poll_timer(void *self) {
  sdk::barrier_void([&] { static_cast<NtTunnel *>(self)->poll(); });
}

void NtTunnel::poll() {
  if (state_ != State::kUp) return;
  InterfaceState st;
  try {
    st = read_state();
    poll_failures_ = 0;
  } catch (const std::exception &e) {
    if (++poll_failures_ >= kPollFailuresLost) {
      log_.error("adapter " + ifname_ + " lost: " + e.what());
      state_ = State::kLost;
      PeerEvent down{TRELLIS_TUNNEL_EV_DOWN, PublicKey{}, std::nullopt};
      emit(down);
      return;
    }
    log_.warn(std::string("reading statistics: ") + e.what());
    poll_timer_.arm_ns(uint64_t{cfg_.poll_interval_ms} * 1'000'000);
    return;
  }
  for (const PeerEvent &e : watch_.on_snapshot(st.peers, wall_clock_unix_ns(),
                                                sdk::host().api->now_ns(ctx_))) {
    emit(e);
    if (state_ != State::kUp) return;  // the host reacted with down()
  }
  poll_timer_.arm_ns(uint64_t{cfg_.poll_interval_ms} * 1'000'000);
}

void NtTunnel::emit(const PeerEvent &e) {
  if (on_event_ == nullptr) return;
  auto ev = sdk::sized<trellis_tunnel_event>();
  ev.type = e.type;
  std::memcpy(ev.public_key, e.public_key.data(), kKeyLen);
  ev.endpoint = endpoint_to_abi(e.endpoint);
  on_event_(event_user_, &ev);
}

}  // namespace trellis::wgnt
