// SPDX-License-Identifier: Apache-2.0
// Runs the real plugin DLL on Windows (wine in CI) through its exported entry
// and tunnel vtable, with a minimal host (timers fired by hand) and the mock
// wireguard.dll of mock_wireguard.cpp: the missing-DLL error, config errors,
// up/down of created and adopted adapters with rollback on failure, peers,
// statistics (with a configuration that outgrows the first buffer), removal,
// the poll timer's events, the driver logger, and finding wireguard.dll
// beside the plugin. Not covered: addresses, MTU and routes, whose IP Helper
// functions wine 8 does not implement (it aborts the process on the call).
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <trellis/plugin.h>

#include "core/filetime.hpp"
#include "core/guid.hpp"

struct trellis_timer {
  trellis_task_fn fn;
  void *user;
  bool armed;
};

namespace {

int g_failures = 0;
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      ++g_failures;                                                              \
      std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                \
    }                                                                            \
  } while (0)

// --- the host ------------------------------------------------------------------
uint64_t g_now_ns = 1'000'000'000;
std::vector<trellis_timer *> g_timers;
std::vector<std::string> g_logs;
std::vector<trellis_tunnel_event> g_events;

void *host_alloc(size_t n) { return std::malloc(n); }
void host_free(void *p) { std::free(p); }
void host_log(trellis_host_ctx *, trellis_log_level level, const char *msg) {
  g_logs.emplace_back(msg);
  std::printf("  log[%d] %s\n", static_cast<int>(level), msg);
}
uint64_t host_now(trellis_host_ctx *) { return g_now_ns; }
trellis_status host_post(trellis_host_ctx *, trellis_task_fn, void *) { return TRELLIS_E_CLOSED; }
trellis_timer *host_timer_new(trellis_host_ctx *, trellis_task_fn fn, void *user) {
  g_timers.push_back(new trellis_timer{fn, user, false});
  return g_timers.back();
}
void host_timer_arm(trellis_timer *t, uint64_t) { t->armed = true; }
void host_timer_cancel(trellis_timer *t) { t->armed = false; }
void host_timer_free(trellis_timer *t) {
  for (auto it = g_timers.begin(); it != g_timers.end(); ++it)
    if (*it == t) {
      g_timers.erase(it);
      break;
    }
  delete t;
}
void on_event(void *, const trellis_tunnel_event *ev) { g_events.push_back(*ev); }

trellis_host_api make_host() {
  trellis_host_api api;
  std::memset(&api, 0, sizeof api);
  api.struct_size = sizeof api;
  api.abi_major = TRELLIS_ABI_MAJOR;
  api.abi_minor = TRELLIS_ABI_MINOR;
  api.host_version = "smoke";
  api.alloc = host_alloc;
  api.free = host_free;
  api.log = host_log;
  api.now_ns = host_now;
  api.post = host_post;
  api.timer_new = host_timer_new;
  api.timer_arm = host_timer_arm;
  api.timer_cancel = host_timer_cancel;
  api.timer_free = host_timer_free;
  return api;
}
trellis_host_api g_host = make_host();

// Fires every armed timer once.
int fire_timers() {
  std::vector<trellis_timer *> due;
  for (auto *t : g_timers)
    if (t->armed) due.push_back(t);
  for (auto *t : due) {
    t->armed = false;
    t->fn(t->user);
  }
  return static_cast<int>(due.size());
}

// --- the plugin and the mock ---------------------------------------------------
struct Plugin {
  HMODULE module = nullptr;
  const trellis_tunnel_vtable *vt = nullptr;
  const trellis_plugin_descriptor *desc = nullptr;
};

Plugin load_plugin(const std::wstring &path) {
  Plugin p;
  p.module = LoadLibraryW(path.c_str());
  if (p.module == nullptr) return p;
  auto entry = reinterpret_cast<trellis_plugin_entry_fn>(
      reinterpret_cast<void (*)()>(GetProcAddress(p.module, TRELLIS_PLUGIN_ENTRY_SYMBOL)));
  if (entry == nullptr) return p;
  p.desc = entry(&g_host, nullptr);
  if (p.desc != nullptr) p.vt = static_cast<const trellis_tunnel_vtable *>(p.desc->vtable);
  return p;
}

struct Mock {
  int (*adapter_count)();
  int (*adapter_state)(LPCWSTR);
  void (*adapter_guid)(LPCWSTR, GUID *);
  int (*logger_set)();
  void (*fail_next_set_state)(DWORD);
  DWORD (*last_set)(uint8_t *, DWORD);
  int (*set_counters)(LPCWSTR, const uint8_t *, uint64_t, uint64_t, uint64_t);
  int (*add_peers)(LPCWSTR, int, int);
};

template <typename F>
void bind(HMODULE m, const char *name, F &f) {
  f = reinterpret_cast<F>(reinterpret_cast<void (*)()>(GetProcAddress(m, name)));
  if (f == nullptr) {
    std::printf("FATAL: mock lacks %s\n", name);
    std::exit(2);
  }
}

struct Result {
  trellis_status status;
  std::string error;
};

template <typename F>
Result call(F &&f) {
  char *error = nullptr;
  Result r{f(&error), error != nullptr ? error : ""};
  host_free(error);
  return r;
}

std::string utf8(const std::wstring &w) {
  std::string out;
  for (wchar_t c : w) out += c < 0x80 ? static_cast<char>(c) : '?';
  return out;
}

std::string json_escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

void *create(const Plugin &p, const std::string &config, Result *r = nullptr) {
  trellis_create_params params;
  std::memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.instance_name = "smoke";
  params.config_json = config.c_str();
  void *instance = nullptr;
  Result res = call([&](char **e) { return p.vt->create(&params, on_event, nullptr, &instance, e); });
  if (r != nullptr) *r = res;
  return res.status == TRELLIS_OK ? instance : nullptr;
}

trellis_tunnel_interface iface(uint32_t flags) {
  trellis_tunnel_interface s;
  std::memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  s.flags = flags;
  for (int i = 0; i < 32; ++i) s.private_key[i] = static_cast<uint8_t>(0x40 + i);
  s.listen_port = 51820;
  s.mtu = 1420;
  return s;
}

trellis_ip_prefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
  trellis_ip_prefix p;
  std::memset(&p, 0, sizeof p);
  p.family = 4;
  p.prefix_len = len;
  p.addr[0] = a, p.addr[1] = b, p.addr[2] = c, p.addr[3] = d;
  return p;
}

bool contains(const std::string &s, const char *needle) { return s.find(needle) != std::string::npos; }

std::wstring directory_of_exe() {
  wchar_t buf[MAX_PATH];
  const DWORD n = GetModuleFileNameW(nullptr, buf, MAX_PATH);
  std::wstring path(buf, n);
  return path.substr(0, path.find_last_of(L"\\/") + 1);
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  const std::wstring dir = directory_of_exe();
  const std::wstring plugin_path = dir + L"trellis-tunnel-wireguard-nt.dll";
  const std::wstring mock_path = dir + L"mock-wireguard.dll";
  const wchar_t *kName = L"wgnt-smoke";

  // The mock first, by full path: the plugin's dll_path load then shares it.
  HMODULE mock_module = LoadLibraryW(mock_path.c_str());
  if (mock_module == nullptr) {
    std::printf("FATAL: cannot load %s\n", utf8(mock_path).c_str());
    return 2;
  }
  Mock mock;
  bind(mock_module, "MockAdapterCount", mock.adapter_count);
  bind(mock_module, "MockAdapterState", mock.adapter_state);
  bind(mock_module, "MockAdapterGuid", mock.adapter_guid);
  bind(mock_module, "MockLoggerSet", mock.logger_set);
  bind(mock_module, "MockFailNextSetState", mock.fail_next_set_state);
  bind(mock_module, "MockLastSet", mock.last_set);
  bind(mock_module, "MockSetCounters", mock.set_counters);
  bind(mock_module, "MockAddPeers", mock.add_peers);

  Plugin plugin = load_plugin(plugin_path);
  if (plugin.vt == nullptr) {
    std::printf("FATAL: cannot load the plugin %s (error %lu)\n", utf8(plugin_path).c_str(), GetLastError());
    return 2;
  }
  std::printf("descriptor\n");
  CHECK(plugin.desc->abi_major == TRELLIS_ABI_MAJOR);
  CHECK(plugin.desc->kind == TRELLIS_KIND_TUNNEL);
  CHECK(std::strcmp(plugin.desc->name, "wireguard-nt") == 0);
  CHECK(plugin.vt->struct_size == sizeof(trellis_tunnel_vtable));
  CHECK(plugin.vt->capabilities == TRELLIS_TUNNEL_CAP_ROUTES);
  CHECK(plugin.vt->set_peer_path == nullptr);
  CHECK(plugin.vt->set_firewall == nullptr);

  std::printf("create: missing DLL and bad config\n");
  Result r;
  CHECK(create(plugin, "{}", &r) == nullptr);
  CHECK(r.status == TRELLIS_E_UNAVAILABLE);
  CHECK(r.error == "wireguard.dll not found (install WireGuard for Windows or set dll_path)");
  CHECK(create(plugin, R"({"dll_path": "Z:\\nowhere\\wireguard.dll"})", &r) == nullptr);
  CHECK(r.status == TRELLIS_E_UNAVAILABLE);
  CHECK(contains(r.error, "wireguard.dll not found (install WireGuard for Windows or set dll_path) at Z:"));
  CHECK(create(plugin, R"({"dll_path": "wireguard.dll"})", &r) == nullptr);
  CHECK(r.status == TRELLIS_E_INVALID);
  CHECK(contains(r.error, "absolute"));
  CHECK(create(plugin, R"({"bogus": 1})", &r) == nullptr);
  CHECK(r.status == TRELLIS_E_INVALID);
  CHECK(contains(r.error, "unknown key \"bogus\""));

  const std::string config = "{\"dll_path\": \"" + json_escape(utf8(mock_path)) + "\", \"driver_log\": true}";
  void *t = create(plugin, config, &r);
  CHECK(t != nullptr);
  if (t == nullptr) {
    std::printf("FATAL: create failed: %s\n", r.error.c_str());
    return 1;
  }
  CHECK(mock.logger_set() == 1);
  CHECK(g_timers.size() == 1);  // the poll timer

  std::printf("up: a failure after creating the adapter removes it\n");
  trellis_tunnel_interface s = iface(TRELLIS_IF_HAS_PRIVATE_KEY | TRELLIS_IF_HAS_LISTEN_PORT);
  mock.fail_next_set_state(ERROR_GEN_FAILURE);
  r = call([&](char **e) { return plugin.vt->up(t, "wgnt-smoke", &s, e); });
  CHECK(r.status == TRELLIS_E_IO);
  CHECK(contains(r.error, "WireGuardSetAdapterState up: "));
  CHECK(mock.adapter_count() == 0);
  CHECK(fire_timers() == 0);  // no polling after a failed up

  std::printf("up\n");
  r = call([&](char **e) { return plugin.vt->up(t, "wgnt-smoke", &s, e); });
  CHECK(r.status == TRELLIS_OK);
  if (r.status != TRELLIS_OK) std::printf("  up: %s\n", r.error.c_str());
  CHECK(mock.adapter_state(kName) == 1 + 2);  // up, driver logging on
  GUID guid{};
  mock.adapter_guid(kName, &guid);
  const trellis::wgnt::Guid want = trellis::wgnt::derive_adapter_guid("Trellis", "wgnt-smoke");
  CHECK(guid.Data1 == want.data1 && guid.Data2 == want.data2 && guid.Data3 == want.data3);
  uint8_t last[65536];
  DWORD n = mock.last_set(last, sizeof last);
  CHECK(n == 80);
  CHECK(last[0] == (2 | 4 | 8));  // private key, listen port, replace peers
  CHECK(last[4] == (51820 & 0xff) && last[5] == (51820 >> 8));
  CHECK(last[6] == 0x40 && last[37] == 0x40 + 31);
  CHECK(call([&](char **e) { return plugin.vt->up(t, "wgnt-smoke", &s, e); }).status == TRELLIS_E_EXISTS);

  std::printf("set_peer\n");
  trellis_tunnel_peer a;
  std::memset(&a, 0, sizeof a);
  a.struct_size = sizeof a;
  a.flags = TRELLIS_PEER_HAS_ENDPOINT | TRELLIS_PEER_HAS_KEEPALIVE;
  std::memset(a.public_key, 0xa1, 32);
  a.endpoint.family = 4;
  a.endpoint.port = 51820;
  a.endpoint.addr[0] = 127, a.endpoint.addr[3] = 1;
  a.persistent_keepalive_s = 25;
  trellis_ip_prefix a_ips[] = {v4(100, 64, 0, 1, 32), v4(198, 18, 77, 5, 15)};
  a.allowed_ips = a_ips;
  a.allowed_ip_count = 2;
  CHECK(call([&](char **e) { return plugin.vt->set_peer(t, &a, e); }).status == TRELLIS_OK);
  n = mock.last_set(last, sizeof last);
  CHECK(n == 80 + 136 + 2 * 24);
  CHECK(last[0] == 0 && last[72] == 1);          // interface untouched, one peer
  CHECK(last[80] == (1 | 4 | 8));                // key, keepalive, endpoint
  CHECK(last[80 + 72] == 25);                    // keepalive
  CHECK(last[80 + 76] == 2 && last[80 + 78] == 0xca && last[80 + 79] == 0x6c);  // AF_INET, port
  CHECK(last[80 + 128] == 2);                    // allowed IPs
  CHECK(last[240] == 198 && last[241] == 18 && last[242] == 0 && last[258] == 15);  // canonical

  trellis_tunnel_peer b = a;
  b.flags = TRELLIS_PEER_HAS_PRESHARED_KEY | TRELLIS_PEER_REPLACE_ALLOWED_IPS;
  std::memset(b.public_key, 0xb2, 32);
  std::memset(b.preshared_key, 0x33, 32);
  b.allowed_ip_count = 1;
  CHECK(call([&](char **e) { return plugin.vt->set_peer(t, &b, e); }).status == TRELLIS_OK);
  n = mock.last_set(last, sizeof last);
  CHECK(last[80] == (1 | 2 | 0x20) && last[80 + 40] == 0x33);

  std::printf("get_stats\n");
  FILETIME now_ft;
  GetSystemTimeAsFileTime(&now_ft);
  const uint64_t now = static_cast<uint64_t>(now_ft.dwHighDateTime) << 32 | now_ft.dwLowDateTime;
  CHECK(mock.set_counters(kName, a.public_key, 1000, 2000, now) == 1);
  trellis_tunnel_peer_stats stats[4];
  std::memset(stats, 0, sizeof stats);
  size_t count = 0;
  CHECK(plugin.vt->get_stats(t, stats, 4, &count) == TRELLIS_OK);
  CHECK(count == 2);
  CHECK(stats[0].public_key[0] == 0xa1);
  CHECK(stats[0].tx_bytes == 1000 && stats[0].rx_bytes == 2000);
  CHECK(stats[0].last_handshake_unix_ns == trellis::wgnt::filetime_to_unix_ns(now));
  CHECK(stats[0].endpoint.family == 4 && stats[0].endpoint.port == 51820);
  CHECK(stats[0].persistent_keepalive_s == 25);
  CHECK(stats[1].public_key[0] == 0xb2 && stats[1].last_handshake_unix_ns == 0);
  std::memset(stats, 0, sizeof stats);
  CHECK(plugin.vt->get_stats(t, stats, 1, &count) == TRELLIS_OK);
  CHECK(count == 2 && stats[1].struct_size == 0);

  std::printf("poll timer: handshake event\n");
  g_now_ns += 1'000'000'000;
  CHECK(fire_timers() == 1);
  CHECK(g_events.size() == 1);
  if (!g_events.empty()) {
    CHECK(g_events[0].type == TRELLIS_TUNNEL_EV_HANDSHAKE);
    CHECK(g_events[0].public_key[0] == 0xa1);
  }
  CHECK(g_timers.size() == 1 && g_timers[0]->armed);  // re-armed

  std::printf("remove_peer\n");
  CHECK(call([&](char **e) { return plugin.vt->remove_peer(t, b.public_key, e); }).status == TRELLIS_OK);
  r = call([&](char **e) { return plugin.vt->remove_peer(t, b.public_key, e); });
  CHECK(r.status == TRELLIS_E_NOT_FOUND);
  CHECK(contains(r.error, "no peer sr"));  // base64 of 0xb2 0xb2 ...
  CHECK(plugin.vt->get_stats(t, stats, 4, &count) == TRELLIS_OK && count == 1);

  std::printf("get_stats past the first buffer (ERROR_MORE_DATA)\n");
  CHECK(mock.add_peers(kName, 100, 8) == 1);  // 100 x (136 + 8 x 24) bytes > 4096
  CHECK(plugin.vt->get_stats(t, stats, 4, &count) == TRELLIS_OK);
  CHECK(count == 101);

  std::printf("set_interface\n");
  trellis_tunnel_interface fw = iface(TRELLIS_IF_HAS_FWMARK);
  fw.fwmark = 1;
  CHECK(call([&](char **e) { return plugin.vt->set_interface(t, &fw, e); }).status == TRELLIS_E_UNSUPPORTED);
  trellis_tunnel_interface port = iface(TRELLIS_IF_HAS_LISTEN_PORT);
  port.listen_port = 40000;
  CHECK(call([&](char **e) { return plugin.vt->set_interface(t, &port, e); }).status == TRELLIS_OK);
  n = mock.last_set(last, sizeof last);
  CHECK(n == 80 && last[0] == 4 && last[4] == (40000 & 0xff) && last[5] == (40000 >> 8));

  std::printf("set_routes (none: IP Helper is not called)\n");
  CHECK(call([&](char **e) { return plugin.vt->set_routes(t, nullptr, 0, e); }).status == TRELLIS_OK);
  trellis_ip_prefix bad_route = v4(198, 18, 0, 0, 33);
  r = call([&](char **e) { return plugin.vt->set_routes(t, &bad_route, 1, e); });
  CHECK(r.status == TRELLIS_E_INVALID && contains(r.error, "route: prefix length 33"));

  std::printf("adopting an adapter another instance created\n");
  void *t2 = create(plugin, config);
  CHECK(t2 != nullptr);
  trellis_tunnel_interface plain = iface(TRELLIS_IF_HAS_PRIVATE_KEY);
  CHECK(call([&](char **e) { return plugin.vt->up(t2, "wgnt-adopt", &plain, e); }).status == TRELLIS_OK);
  CHECK(mock.adapter_count() == 2);
  void *t3 = create(plugin, config);
  CHECK(call([&](char **e) { return plugin.vt->up(t3, "wgnt-adopt", &plain, e); }).status == TRELLIS_OK);
  CHECK(call([&](char **e) { return plugin.vt->set_peer(t3, &a, e); }).status == TRELLIS_OK);
  CHECK(call([&](char **e) { return plugin.vt->down(t3, e); }).status == TRELLIS_OK);
  CHECK(mock.adapter_count() == 2);                          // adopted: left in place
  CHECK((mock.adapter_state(L"wgnt-adopt") & 1) == 0);      // but down
  CHECK(plugin.vt->get_stats(t2, stats, 4, &count) == TRELLIS_OK && count == 0);  // peers gone
  plugin.vt->destroy(t3);
  plugin.vt->destroy(t2);  // destroy while up: tears down
  CHECK(mock.adapter_count() == 1);

  std::printf("down\n");
  CHECK(call([&](char **e) { return plugin.vt->down(t, e); }).status == TRELLIS_OK);
  CHECK(mock.adapter_count() == 0);  // created here: removed
  CHECK(call([&](char **e) { return plugin.vt->down(t, e); }).status == TRELLIS_OK);
  CHECK(plugin.vt->get_stats(t, stats, 4, &count) == TRELLIS_OK && count == 0);
  CHECK(call([&](char **e) { return plugin.vt->set_peer(t, &a, e); }).status == TRELLIS_E_CLOSED);
  CHECK(fire_timers() == 0);  // polling stopped
  plugin.vt->destroy(t);
  CHECK(mock.logger_set() == 0);
  CHECK(g_timers.empty());

  std::printf("wireguard.dll beside the plugin\n");
  wchar_t tmp[MAX_PATH];
  GetTempPathW(MAX_PATH, tmp);
  const std::wstring side = std::wstring(tmp) + L"wgnt-smoke-" + std::to_wstring(GetCurrentProcessId()) + L"\\";
  CHECK(CreateDirectoryW(side.c_str(), nullptr));
  CHECK(CopyFileW(plugin_path.c_str(), (side + L"trellis-tunnel-wireguard-nt.dll").c_str(), FALSE));
  CHECK(CopyFileW(mock_path.c_str(), (side + L"wireguard.dll").c_str(), FALSE));
  Plugin copy = load_plugin(side + L"trellis-tunnel-wireguard-nt.dll");
  CHECK(copy.vt != nullptr);
  if (copy.vt != nullptr) {
    g_logs.clear();
    void *t4 = create(copy, "{}", &r);
    CHECK(t4 != nullptr);
    bool logged_path = false;
    for (const auto &line : g_logs)
      logged_path = logged_path || (contains(line, "wgnt-smoke-") && contains(line, "wireguard.dll"));
    CHECK(logged_path);
    if (t4 != nullptr) copy.vt->destroy(t4);
    FreeLibrary(copy.module);
  }
  DeleteFileW((side + L"trellis-tunnel-wireguard-nt.dll").c_str());
  DeleteFileW((side + L"wireguard.dll").c_str());
  RemoveDirectoryW(side.c_str());

  FreeLibrary(plugin.module);
  FreeLibrary(mock_module);
  std::printf(g_failures == 0 ? "PASS\n" : "FAILED: %d checks\n", g_failures);
  return g_failures == 0 ? 0 : 1;
}
