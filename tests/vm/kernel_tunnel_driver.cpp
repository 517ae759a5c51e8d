// SPDX-License-Identifier: Apache-2.0
// trellis_kernel_tunnel_driver: drives the kernel tunnel plugin through its
// vtable against a real kernel. Two modes:
//
//   refusal  --plugin P
//       On a kernel without WireGuard, create must fail with
//       TRELLIS_E_UNSUPPORTED and name the missing generic netlink family.
//       Exits 77 (skip) when the kernel does have WireGuard.
//
//   scenario --plugin P --ns-a PATH --ns-b PATH --ip IP --wg WG --busybox BB
//       Run inside the qemu VM (tests/vm/run-kernel-test.sh), with namespaces
//       a and b joined by a veth (198.51.100.1 and .2). One instance per
//       namespace (created after setns into it): up with key, port, MTU and
//       overlay address; routes; peers with endpoint and allowed IPs, plus
//       200 filler peers and one with 1,500 allowed IPs (split requests);
//       `wg show dump` must agree; busybox ping across 100.64.0.0/10; stats
//       and a handshake event; MTU and address changes seen by iproute2;
//       peer removal stops the ping; down deletes; a device deleted behind
//       the plugin's back reads as closed with a DOWN event.
//
// Prints one line per check; exits 0 when all passed, 1 otherwise.
#include <sodium.h>
#include <trellis/plugin.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "driver_host.hpp"
#include "netns_exec.hpp"

namespace {

using trellis::vmtest::DriverHost;
using trellis::vmtest::enter_netns;
using trellis::vmtest::ExecResult;
using trellis::vmtest::run_in_netns;

int g_failures = 0;

bool check(bool ok, const std::string &what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  std::fflush(stdout);
  if (!ok) ++g_failures;
  return ok;
}

struct Args {
  std::string mode, plugin, ns_a, ns_b, ip = "/sbin/ip", wg = "/usr/bin/wg", busybox = "/bin/busybox";
};

struct Keys {
  uint8_t priv[32];
  uint8_t pub[32];
};

Keys make_keys() {
  Keys k;
  randombytes_buf(k.priv, sizeof(k.priv));
  k.priv[0] &= 248;  // X25519 clamping, as `wg genkey` stores it
  k.priv[31] = (k.priv[31] & 127) | 64;
  crypto_scalarmult_base(k.pub, k.priv);
  return k;
}

std::string b64(const uint8_t *key) {
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof(out), key, 32, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

trellis_ip_prefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
  trellis_ip_prefix p{};
  p.family = 4;
  p.prefix_len = len;
  p.addr[0] = a, p.addr[1] = b, p.addr[2] = c, p.addr[3] = d;
  return p;
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

// One plugin instance bound to the namespace it was created in.
struct Tunnel {
  DriverHost &host;
  void *inst = nullptr;
  std::string name;
  std::vector<trellis_tunnel_event> events;

  static void on_event(void *user, const trellis_tunnel_event *ev) {
    static_cast<Tunnel *>(user)->events.push_back(*ev);
  }
  const trellis_tunnel_vtable &vt() const { return host.tunnel(); }

  trellis_status create(const char *config, std::string *error) {
    trellis_create_params p{sizeof(p), host.new_context(name), name.c_str(), config, nullptr};
    char *err = nullptr;
    const trellis_status s = vt().create(&p, &Tunnel::on_event, this, &inst, &err);
    *error = DriverHost::take_error(err);
    return s;
  }
  trellis_status up(const char *ifname, const trellis_tunnel_interface &settings, std::string *error) {
    char *err = nullptr;
    const trellis_status s = vt().up(inst, ifname, &settings, &err);
    *error = DriverHost::take_error(err);
    return s;
  }
  trellis_status set_interface(const trellis_tunnel_interface &settings, std::string *error) {
    char *err = nullptr;
    const trellis_status s = vt().set_interface(inst, &settings, &err);
    *error = DriverHost::take_error(err);
    return s;
  }
  trellis_status set_peer(const trellis_tunnel_peer &peer, std::string *error) {
    char *err = nullptr;
    const trellis_status s = vt().set_peer(inst, &peer, &err);
    *error = DriverHost::take_error(err);
    return s;
  }
  trellis_status remove_peer(const uint8_t *key, std::string *error) {
    char *err = nullptr;
    const trellis_status s = vt().remove_peer(inst, key, &err);
    *error = DriverHost::take_error(err);
    return s;
  }
  trellis_status set_routes(const std::vector<trellis_ip_prefix> &routes, std::string *error) {
    char *err = nullptr;
    const trellis_status s = vt().set_routes(inst, routes.data(), routes.size(), &err);
    *error = DriverHost::take_error(err);
    return s;
  }
  trellis_status down(std::string *error) {
    char *err = nullptr;
    const trellis_status s = vt().down(inst, &err);
    *error = DriverHost::take_error(err);
    return s;
  }
  std::vector<trellis_tunnel_peer_stats> stats(trellis_status *status, size_t *count) {
    std::vector<trellis_tunnel_peer_stats> out(1024);
    for (auto &s : out) s.struct_size = sizeof(s);
    *status = vt().get_stats(inst, out.data(), out.size(), count);
    out.resize(*status == TRELLIS_OK ? std::min(*count, out.size()) : 0);
    return out;
  }
  const trellis_tunnel_peer_stats *find(const std::vector<trellis_tunnel_peer_stats> &all,
                                        const uint8_t *key) const {
    for (const auto &s : all) {
      if (std::memcmp(s.public_key, key, 32) == 0) return &s;
    }
    return nullptr;
  }
};

std::string describe(trellis_status s, const std::string &error) {
  return "status " + std::to_string(s) + (error.empty() ? "" : ": " + error);
}

int refusal(const Args &args) {
  DriverHost host(args.plugin);
  Tunnel t{host, nullptr, "refusal", {}};
  std::string error;
  const trellis_status s = t.create("{}", &error);
  if (s == TRELLIS_OK) {
    std::printf("SKIP this kernel has WireGuard; the refusal cannot be observed here\n");
    host.tunnel().destroy(t.inst);
    return 77;
  }
  check(s == TRELLIS_E_UNSUPPORTED, "create refused with TRELLIS_E_UNSUPPORTED (" + describe(s, error) + ")");
  check(error == "generic netlink family \"wireguard\" not found: kernel has no WireGuard "
                 "(modprobe wireguard)",
        "the refusal names the missing family");
  return g_failures == 0 ? 0 : 1;
}

int scenario(const Args &a) {
  if (sodium_init() < 0) return check(false, "sodium_init"), 1;
  DriverHost host(a.plugin);
  const trellis_tunnel_vtable &vt = host.tunnel();
  check(std::strcmp(host.descriptor().name, "kernel") == 0, "plugin is the \"kernel\" tunnel");
  check((vt.capabilities & TRELLIS_TUNNEL_CAP_PACKET_PATH) == 0 && vt.set_peer_path == nullptr,
        "no packet path capability (the host bridges over loopback UDP)");
  check((vt.capabilities & TRELLIS_TUNNEL_CAP_ROUTES) != 0, "routes capability");

  auto sh = [&](const std::string &ns, std::vector<std::string> argv, int timeout = 20) {
    ExecResult r = run_in_netns(ns, argv, timeout);
    return r;
  };
  std::string err;
  trellis_status st;

  Tunnel A{host, nullptr, "a", {}}, B{host, nullptr, "b", {}};
  Tunnel bad{host, nullptr, "bad", {}};
  enter_netns(a.ns_a);
  st = bad.create("{\"mesage_size\": 4096}", &err);
  check(st == TRELLIS_E_INVALID && err.find("mesage_size") != std::string::npos,
        "bad configuration refused (" + describe(st, err) + ")");
  st = A.create("{\"message_size\": 4096}", &err);
  if (!check(st == TRELLIS_OK, "create in namespace a (" + describe(st, err) + ")")) return 1;
  enter_netns(a.ns_b);
  st = B.create("{}", &err);
  if (!check(st == TRELLIS_OK, "create in namespace b (" + describe(st, err) + ")")) return 1;

  const Keys ka = make_keys(), kb = make_keys();
  uint8_t psk[32];
  randombytes_buf(psk, sizeof(psk));

  // a: wga, created by the plugin. b: wgb, created beforehand and adopted.
  trellis_ip_prefix addr_a = v4(100, 64, 0, 1, 32), addr_b = v4(100, 64, 0, 2, 10);
  trellis_tunnel_interface ia{};
  ia.struct_size = sizeof(ia);
  ia.flags = TRELLIS_IF_HAS_PRIVATE_KEY | TRELLIS_IF_HAS_LISTEN_PORT | TRELLIS_IF_HAS_MTU |
             TRELLIS_IF_HAS_ADDRESSES;
  std::memcpy(ia.private_key, ka.priv, 32);
  ia.listen_port = 51820;
  ia.mtu = 1380;
  ia.addresses = &addr_a;
  ia.address_count = 1;
  trellis_tunnel_interface ib = ia;
  std::memcpy(ib.private_key, kb.priv, 32);
  ib.listen_port = 51821;
  ib.flags &= ~TRELLIS_IF_HAS_MTU;
  ib.addresses = &addr_b;

  st = A.up("va", ia, &err);
  check(st == TRELLIS_E_EXISTS && err.find("not a WireGuard device") != std::string::npos,
        "up on the veth refused (" + describe(st, err) + ")");
  st = A.up("wga", ia, &err);
  if (!check(st == TRELLIS_OK, "up wga (" + describe(st, err) + ")")) return 1;
  st = A.up("wga", ia, &err);
  check(st == TRELLIS_E_INVALID, "second up refused (" + describe(st, err) + ")");
  ExecResult r = sh(a.ns_b, {a.ip, "link", "add", "wgb", "type", "wireguard"});
  check(r.exit_code == 0, "ip link add wgb (" + r.output + ")");
  st = B.up("wgb", ib, &err);
  if (!check(st == TRELLIS_OK, "up wgb, adopting it (" + describe(st, err) + ")")) return 1;

  const std::vector<trellis_ip_prefix> routes = {v4(100, 64, 0, 0, 10), v4(100, 64, 9, 9, 10)};
  st = A.set_routes(routes, &err);
  check(st == TRELLIS_OK, "set_routes 100.64.0.0/10 (" + describe(st, err) + ")");
  r = sh(a.ns_a, {a.ip, "route", "show", "dev", "wga"});
  check(r.output.find("100.64.0.0/10 proto static scope link") != std::string::npos,
        "iproute2 sees the route: " + r.output);

  // Peers. a's peer b; b's peer a.
  trellis_ip_prefix allowed_b = v4(100, 64, 0, 2, 32), allowed_a = v4(100, 64, 0, 1, 32);
  trellis_tunnel_peer pb{};
  pb.struct_size = sizeof(pb);
  pb.flags = TRELLIS_PEER_HAS_ENDPOINT | TRELLIS_PEER_HAS_PRESHARED_KEY | TRELLIS_PEER_REPLACE_ALLOWED_IPS;
  std::memcpy(pb.public_key, kb.pub, 32);
  std::memcpy(pb.preshared_key, psk, 32);
  pb.endpoint = {4, 51821, {198, 51, 100, 2}};
  pb.allowed_ips = &allowed_b;
  pb.allowed_ip_count = 1;
  trellis_tunnel_peer pa = pb;
  std::memcpy(pa.public_key, ka.pub, 32);
  pa.endpoint = {4, 51820, {198, 51, 100, 1}};
  pa.allowed_ips = &allowed_a;
  st = A.set_peer(pb, &err);
  check(st == TRELLIS_OK, "a: set_peer b (" + describe(st, err) + ")");
  st = B.set_peer(pa, &err);
  check(st == TRELLIS_OK, "b: set_peer a (" + describe(st, err) + ")");

  // Filler: 200 peers x 4 allowed IPs, and one peer with 1,500 (11 requests).
  const auto t_fill = std::chrono::steady_clock::now();
  bool filled = true;
  for (int i = 0; i < 201 && filled; ++i) {
    std::vector<trellis_ip_prefix> ips;
    const int n = i < 200 ? 4 : 1500;
    for (int j = 0; j < n; ++j) {
      const int h = i < 200 ? i * 4 + j : 1000 + j;
      ips.push_back(v4(100, 96 + (i < 200 ? 0 : 4), static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h), 32));
    }
    trellis_tunnel_peer f{};
    f.struct_size = sizeof(f);
    randombytes_buf(f.public_key, 32);
    f.allowed_ips = ips.data();
    f.allowed_ip_count = ips.size();
    st = A.set_peer(f, &err);
    filled = st == TRELLIS_OK;
    if (!filled) check(false, "filler peer " + std::to_string(i) + " (" + describe(st, err) + ")");
  }
  const double fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_fill).count();
  check(filled, "201 filler peers set in " + std::to_string(fill_s) + " s");

  // Cross-check with the real wg tool.
  if (a.wg.empty()) {
    std::printf("skip wg cross-check: no wg in the image\n");
  } else {
    r = sh(a.ns_a, {a.wg, "show", "wga", "dump"});
    std::vector<std::string> lines = split(r.output, '\n');
    check(r.exit_code == 0 && lines.size() == 203, "wg show wga dump: 1 + 202 lines, got " +
                                                       std::to_string(lines.size()));
    if (!lines.empty()) {
      const auto f = split(lines[0], '\t');
      check(f.size() == 4 && f[0] == b64(ka.priv) && f[1] == b64(ka.pub) && f[2] == "51820" && f[3] == "off",
            "wg reads our private key, public key, listen port and fwmark");
    }
    size_t total_ips = 0, biggest = 0;
    bool saw_b = false;
    for (size_t i = 1; i < lines.size(); ++i) {
      const auto f = split(lines[i], '\t');
      if (f.size() < 8) continue;
      const size_t n = f[3] == "(none)" ? 0 : split(f[3], ',').size();
      total_ips += n;
      biggest = std::max(biggest, n);
      if (f[0] == b64(kb.pub)) {
        saw_b = f[1] == b64(psk) && f[2] == "198.51.100.2:51821" && f[3] == "100.64.0.2/32";
      }
    }
    check(saw_b, "wg reads peer b: preshared key, endpoint, allowed IPs");
    check(total_ips == 1 + 200 * 4 + 1500 && biggest == 1500,
          "wg counts " + std::to_string(total_ips) + " allowed IPs (want 2301), largest peer " +
              std::to_string(biggest));
  }

  // Traffic.
  r = sh(a.ns_a, {a.busybox, "ping", "-c", "3", "-W", "2", "-w", "20", "100.64.0.2"}, 30);
  check(r.exit_code == 0, "ping 100.64.0.2 from a across the tunnel (" + std::to_string(r.seconds) +
                              " s)\n" + r.output);

  size_t count = 0;
  auto sa = A.stats(&st, &count);
  check(st == TRELLIS_OK && count == 202, "a: get_stats sees 202 peers, got " + std::to_string(count));
  const trellis_tunnel_peer_stats *sb = A.find(sa, kb.pub);
  check(sb != nullptr && sb->last_handshake_unix_ns > 0 && sb->rx_bytes > 0 && sb->tx_bytes > 0,
        "a: peer b has a handshake and traffic: rx " + std::to_string(sb ? sb->rx_bytes : 0) +
            " tx " + std::to_string(sb ? sb->tx_bytes : 0));
  check(sb != nullptr && sb->endpoint.family == 4 && sb->endpoint.port == 51821,
        "a: peer b's endpoint is 198.51.100.2:51821");
  auto sbs = B.stats(&st, &count);
  const trellis_tunnel_peer_stats *sa_on_b = B.find(sbs, ka.pub);
  check(sa_on_b != nullptr && sa_on_b->last_handshake_unix_ns > 0 && sa_on_b->rx_bytes > 0,
        "b: peer a has a handshake and traffic");

  trellis_tunnel_peer_stats two[2]{};
  two[0].struct_size = two[1].struct_size = sizeof(two[0]);
  two[1].rx_bytes = 0xdeadbeef;
  st = vt.get_stats(A.inst, two, 1, &count);
  check(st == TRELLIS_OK && count == 202 && two[1].rx_bytes == 0xdeadbeef,
        "get_stats with capacity 1 writes one entry and reports 202");

  // A newer caller's larger struct: entries laid out by its stride, the
  // bytes past our struct left alone, struct_size set to the stride.
  const size_t stride = sizeof(trellis_tunnel_peer_stats) + 16;
  std::vector<uint8_t> raw(3 * stride, 0xab);
  const uint32_t stride32 = static_cast<uint32_t>(stride);
  std::memcpy(raw.data(), &stride32, sizeof(stride32));
  st = vt.get_stats(A.inst, reinterpret_cast<trellis_tunnel_peer_stats *>(raw.data()), 3, &count);
  trellis_tunnel_peer_stats second{};
  std::memcpy(&second, raw.data() + stride, sizeof(second));
  check(st == TRELLIS_OK && second.struct_size == stride && raw[sizeof(second)] == 0xab &&
            raw[stride - 1] == 0xab && raw[3 * stride - 1] == 0xab,
        "get_stats honours a larger caller stride");

  host.run_posted();
  bool handshake_event = false;
  for (const auto &e : A.events) {
    handshake_event |= e.type == TRELLIS_TUNNEL_EV_HANDSHAKE && std::memcmp(e.public_key, kb.pub, 32) == 0;
  }
  check(handshake_event, "a: HANDSHAKE event for peer b (" + std::to_string(A.events.size()) + " events)");

  // Interface changes, read back with iproute2.
  trellis_tunnel_interface mtu_only{};
  mtu_only.struct_size = sizeof(mtu_only);
  mtu_only.flags = TRELLIS_IF_HAS_MTU;
  mtu_only.mtu = 1300;
  st = A.set_interface(mtu_only, &err);
  r = sh(a.ns_a, {a.ip, "-o", "link", "show", "wga"});
  check(st == TRELLIS_OK && r.output.find("mtu 1300") != std::string::npos, "mtu 1300: " + r.output);
  const trellis_ip_prefix two_addrs[2] = {v4(100, 64, 0, 1, 32), v4(100, 64, 0, 11, 32)};
  trellis_tunnel_interface addrs{};
  addrs.struct_size = sizeof(addrs);
  addrs.flags = TRELLIS_IF_HAS_ADDRESSES;
  addrs.addresses = two_addrs;
  addrs.address_count = 2;
  st = A.set_interface(addrs, &err);
  r = sh(a.ns_a, {a.ip, "-o", "-4", "addr", "show", "dev", "wga"});
  check(st == TRELLIS_OK && r.output.find("100.64.0.11/32") != std::string::npos &&
            r.output.find("100.64.0.1/32") != std::string::npos,
        "two addresses: " + r.output);
  addrs.address_count = 1;
  st = A.set_interface(addrs, &err);
  r = sh(a.ns_a, {a.ip, "-o", "-4", "addr", "show", "dev", "wga"});
  check(st == TRELLIS_OK && r.output.find("100.64.0.11") == std::string::npos &&
            r.output.find("100.64.0.1/32") != std::string::npos,
        "back to one address: " + r.output);

  // Peer removal stops traffic.
  st = A.remove_peer(kb.pub, &err);
  check(st == TRELLIS_OK, "a: remove_peer b (" + describe(st, err) + ")");
  st = A.remove_peer(kb.pub, &err);
  check(st == TRELLIS_E_NOT_FOUND, "a: removing b again is NOT_FOUND (" + describe(st, err) + ")");
  r = sh(a.ns_a, {a.busybox, "ping", "-c", "2", "-W", "1", "-w", "2", "100.64.0.2"}, 15);
  check(r.exit_code != 0, "ping fails once the peer is removed (exit " + std::to_string(r.exit_code) + ")");
  A.stats(&st, &count);
  check(st == TRELLIS_OK && count == 201, "a: 201 peers left");

  st = A.set_routes({}, &err);
  r = sh(a.ns_a, {a.ip, "route", "show", "dev", "wga"});
  check(st == TRELLIS_OK && r.output.find("proto static") == std::string::npos,
        "set_routes([]) removed our route: " + r.output);

  // down deletes; it is idempotent; configuration afterwards is refused.
  st = A.down(&err);
  r = sh(a.ns_a, {a.ip, "link", "show", "wga"});
  check(st == TRELLIS_OK && r.exit_code != 0, "down deleted wga");
  st = A.down(&err);
  check(st == TRELLIS_OK, "second down is a no-op");
  st = A.set_peer(pb, &err);
  check(st == TRELLIS_E_INVALID, "set_peer after down refused (" + describe(st, err) + ")");

  // b's device deleted behind the plugin's back.
  r = sh(a.ns_b, {a.ip, "link", "del", "wgb"});
  B.events.clear();
  B.stats(&st, &count);
  check(st == TRELLIS_E_CLOSED, "b: get_stats after external delete is CLOSED (status " +
                                    std::to_string(st) + ")");
  host.run_posted();
  check(B.events.size() == 1 && B.events[0].type == TRELLIS_TUNNEL_EV_DOWN, "b: one DOWN event");
  st = B.down(&err);
  check(st == TRELLIS_OK, "b: down after loss (" + describe(st, err) + ")");

  vt.destroy(A.inst);
  vt.destroy(B.inst);
  std::printf("%d check(s) failed\n", g_failures);
  return g_failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
  Args a;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s refusal|scenario --plugin PATH [--ns-a P --ns-b P --ip P --wg P --busybox P]\n",
                 argv[0]);
    return 2;
  }
  a.mode = argv[1];
  std::map<std::string, std::string *> opts = {{"--plugin", &a.plugin}, {"--ns-a", &a.ns_a},
                                               {"--ns-b", &a.ns_b},     {"--ip", &a.ip},
                                               {"--wg", &a.wg},         {"--busybox", &a.busybox}};
  for (int i = 2; i + 1 < argc; i += 2) {
    auto it = opts.find(argv[i]);
    if (it == opts.end()) {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
    *it->second = argv[i + 1];
  }
  try {
    if (a.mode == "refusal") return refusal(a);
    if (a.mode == "scenario") return scenario(a);
  } catch (const std::exception &e) {
    std::printf("FAIL %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", a.mode.c_str());
  return 2;
}
