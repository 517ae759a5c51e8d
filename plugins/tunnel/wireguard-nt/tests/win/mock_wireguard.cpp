// SPDX-License-Identifier: Apache-2.0
// A stand-in wireguard.dll for running the plugin under wine: the twelve
// entry points of wireguard-nt's published API over an in-memory driver, plus
// a few Mock* exports the smoke test uses to look inside and to play the
// network (counters, handshake times). SetConfiguration parses and
// GetConfiguration writes the documented layout at offsets written out here by
// hand, so the plugin's own codec is checked against a second reading of it.
// Like the driver, SetConfiguration refuses a buffer whose records do not add
// up to exactly the bytes given. Single-threaded test use only.
#include <windows.h>

#include <ifdef.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Peer {
  std::array<uint8_t, 32> key{};
  bool psk = false;
  uint16_t keepalive = 0;
  bool has_endpoint = false;
  std::array<uint8_t, 28> endpoint{};
  uint64_t tx = 0, rx = 0, handshake = 0;
  std::vector<std::array<uint8_t, 24>> allowed_ips;
};

struct Adapter {
  std::wstring pool;
  GUID guid{};
  bool up = false;
  bool logging = false;
  bool has_key = false;
  std::array<uint8_t, 32> private_key{};
  uint16_t port = 0;
  std::vector<Peer> peers;
};

struct Handle {
  std::wstring name;
  bool created;
};

std::map<std::wstring, Adapter> g_adapters;
std::vector<uint8_t> g_last_set;
void *g_logger = nullptr;
DWORD g_fail_next_state = 0;  // MockFailNextSetState

template <typename T>
T get(const uint8_t *p, size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof v);
  return v;
}
template <typename T>
void put(uint8_t *p, size_t off, T v) {
  std::memcpy(p + off, &v, sizeof v);
}

Adapter *find(void *h) {
  auto it = g_adapters.find(static_cast<Handle *>(h)->name);
  return it == g_adapters.end() ? nullptr : &it->second;
}

BOOL fail(DWORD err) {
  SetLastError(err);
  return FALSE;
}

}  // namespace

extern "C" {

__declspec(dllexport) void *WINAPI WireGuardCreateAdapter(LPCWSTR name, LPCWSTR pool, const GUID *guid) {
  if (g_adapters.count(name)) {
    SetLastError(ERROR_ALREADY_EXISTS);
    return nullptr;
  }
  Adapter &a = g_adapters[name];
  a.pool = pool;
  if (guid != nullptr) a.guid = *guid;
  return new Handle{name, true};
}

__declspec(dllexport) void *WINAPI WireGuardOpenAdapter(LPCWSTR name) {
  if (!g_adapters.count(name)) {
    SetLastError(ERROR_NOT_FOUND);
    return nullptr;
  }
  return new Handle{name, false};
}

__declspec(dllexport) void WINAPI WireGuardCloseAdapter(void *h) {
  if (h == nullptr) return;
  auto *handle = static_cast<Handle *>(h);
  if (handle->created) g_adapters.erase(handle->name);
  delete handle;
}

__declspec(dllexport) void WINAPI WireGuardGetAdapterLUID(void *h, NET_LUID *luid) {
  luid->Value = 0x0047000000001234ull;
}

__declspec(dllexport) DWORD WINAPI WireGuardGetRunningDriverVersion(void) { return 0x0000000a; }

__declspec(dllexport) BOOL WINAPI WireGuardDeleteDriver(void) { return TRUE; }

__declspec(dllexport) void WINAPI WireGuardSetLogger(void *logger) { g_logger = logger; }

__declspec(dllexport) BOOL WINAPI WireGuardSetAdapterLogging(void *h, int state) {
  Adapter *a = find(h);
  if (a == nullptr) return fail(ERROR_DEVICE_REMOVED);
  a->logging = state != 0;
  return TRUE;
}

__declspec(dllexport) BOOL WINAPI WireGuardSetAdapterState(void *h, int state) {
  Adapter *a = find(h);
  if (a == nullptr) return fail(ERROR_DEVICE_REMOVED);
  if (g_fail_next_state != 0) return fail(std::exchange(g_fail_next_state, 0));
  if (state != 0 && state != 1) return fail(ERROR_INVALID_PARAMETER);
  a->up = state == 1;
  return TRUE;
}

__declspec(dllexport) BOOL WINAPI WireGuardGetAdapterState(void *h, int *state) {
  Adapter *a = find(h);
  if (a == nullptr) return fail(ERROR_DEVICE_REMOVED);
  *state = a->up ? 1 : 0;
  return TRUE;
}

// Interface 80 bytes; peer 136 (key at 8, PSK 40, keepalive 72, endpoint 76,
// tx 104, rx 112, handshake 120, allowed-IP count 128); allowed IP 24.
__declspec(dllexport) BOOL WINAPI WireGuardSetConfiguration(void *h, const void *config, DWORD bytes) {
  Adapter *a = find(h);
  if (a == nullptr) return fail(ERROR_DEVICE_REMOVED);
  const auto *p = static_cast<const uint8_t *>(config);
  if (bytes < 80 || reinterpret_cast<uintptr_t>(p) % 8 != 0) return fail(ERROR_INVALID_PARAMETER);
  // Validate the whole buffer before changing anything.
  const uint32_t peers = get<uint32_t>(p, 72);
  size_t off = 80;
  for (uint32_t i = 0; i < peers; ++i) {
    if (bytes - off < 136) return fail(ERROR_INVALID_PARAMETER);
    if (!(get<uint32_t>(p + off, 0) & 1) || get<uint32_t>(p + off, 4) != 0)
      return fail(ERROR_INVALID_PARAMETER);
    const uint32_t ips = get<uint32_t>(p + off, 128);
    off += 136;
    if ((bytes - off) / 24 < ips) return fail(ERROR_INVALID_PARAMETER);
    off += size_t{ips} * 24;
  }
  if (off != bytes) return fail(ERROR_INVALID_PARAMETER);
  g_last_set.assign(p, p + bytes);

  const uint32_t iflags = get<uint32_t>(p, 0);
  if (iflags & 4) a->port = get<uint16_t>(p, 4);
  if (iflags & 8) a->peers.clear();
  if (iflags & 2) {
    std::memcpy(a->private_key.data(), p + 6, 32);
    a->has_key = true;
  }
  off = 80;
  for (uint32_t i = 0; i < peers; ++i) {
    const uint8_t *rec = p + off;
    const uint32_t flags = get<uint32_t>(rec, 0);
    const uint32_t ips = get<uint32_t>(rec, 128);
    off += 136 + size_t{ips} * 24;
    std::array<uint8_t, 32> key;
    std::memcpy(key.data(), rec + 8, 32);
    Peer *peer = nullptr;
    for (auto it = a->peers.begin(); it != a->peers.end(); ++it) {
      if (it->key != key) continue;
      if (flags & 0x40) {
        a->peers.erase(it);
      } else {
        peer = &*it;
      }
      break;
    }
    if (flags & 0x40) continue;  // removed, or absent: nothing to do
    if (peer == nullptr) {
      if (flags & 0x80) continue;  // UPDATE_ONLY
      a->peers.push_back(Peer{});
      peer = &a->peers.back();
      peer->key = key;
    }
    if (flags & 2) peer->psk = true;
    if (flags & 4) peer->keepalive = get<uint16_t>(rec, 72);
    if (flags & 8) {
      std::memcpy(peer->endpoint.data(), rec + 76, 28);
      peer->has_endpoint = true;
    }
    if (flags & 0x20) peer->allowed_ips.clear();
    for (uint32_t j = 0; j < ips; ++j) {
      std::array<uint8_t, 24> ip;
      std::memcpy(ip.data(), rec + 136 + 24 * j, 24);
      if (get<uint32_t>(ip.data(), 20) & 1) continue;  // REMOVE: not modelled
      peer->allowed_ips.push_back(ip);
    }
  }
  return TRUE;
}

__declspec(dllexport) BOOL WINAPI WireGuardGetConfiguration(void *h, void *config, DWORD *bytes) {
  Adapter *a = find(h);
  if (a == nullptr) return fail(ERROR_DEVICE_REMOVED);
  size_t need = 80;
  for (const Peer &peer : a->peers) need += 136 + 24 * peer.allowed_ips.size();
  if (*bytes < need) {
    *bytes = static_cast<DWORD>(need);
    return fail(ERROR_MORE_DATA);
  }
  auto *p = static_cast<uint8_t *>(config);
  std::memset(p, 0, need);
  uint32_t iflags = a->port != 0 ? 4u : 0u;
  if (a->has_key) {
    iflags |= 1 | 2;
    std::memcpy(p + 6, a->private_key.data(), 32);
    for (int i = 0; i < 32; ++i) p[38 + i] = static_cast<uint8_t>(a->private_key[i] ^ 0xff);
  }
  put<uint32_t>(p, 0, iflags);
  put<uint16_t>(p, 4, a->port);
  put<uint32_t>(p, 72, static_cast<uint32_t>(a->peers.size()));
  size_t off = 80;
  for (const Peer &peer : a->peers) {
    uint8_t *rec = p + off;
    put<uint32_t>(rec, 0, 1u | 4u | (peer.psk ? 2u : 0u) | (peer.has_endpoint ? 8u : 0u));
    put<uint32_t>(rec, 4, 1);  // protocol version
    std::memcpy(rec + 8, peer.key.data(), 32);
    if (peer.psk) std::memset(rec + 40, 0xa5, 32);
    put<uint16_t>(rec, 72, peer.keepalive);
    if (peer.has_endpoint) std::memcpy(rec + 76, peer.endpoint.data(), 28);
    put<uint64_t>(rec, 104, peer.tx);
    put<uint64_t>(rec, 112, peer.rx);
    put<uint64_t>(rec, 120, peer.handshake);
    put<uint32_t>(rec, 128, static_cast<uint32_t>(peer.allowed_ips.size()));
    off += 136;
    for (const auto &ip : peer.allowed_ips) {
      std::memcpy(p + off, ip.data(), 24);
      off += 24;
    }
  }
  *bytes = static_cast<DWORD>(need);
  return TRUE;
}

// --- for the smoke test ------------------------------------------------------

__declspec(dllexport) int MockAdapterCount(void) { return static_cast<int>(g_adapters.size()); }

// -1: no such adapter; else 0/1 for down/up, +2 when driver logging is on.
__declspec(dllexport) int MockAdapterState(LPCWSTR name) {
  auto it = g_adapters.find(name);
  if (it == g_adapters.end()) return -1;
  return (it->second.up ? 1 : 0) + (it->second.logging ? 2 : 0);
}

__declspec(dllexport) void MockAdapterGuid(LPCWSTR name, GUID *out) {
  auto it = g_adapters.find(name);
  if (it != g_adapters.end()) *out = it->second.guid;
}

__declspec(dllexport) int MockLoggerSet(void) { return g_logger != nullptr; }

// The next WireGuardSetAdapterState fails with `err`.
__declspec(dllexport) void MockFailNextSetState(DWORD err) { g_fail_next_state = err; }

__declspec(dllexport) DWORD MockLastSet(uint8_t *out, DWORD capacity) {
  const DWORD n = static_cast<DWORD>(g_last_set.size());
  if (out != nullptr) std::memcpy(out, g_last_set.data(), n < capacity ? n : capacity);
  return n;
}

__declspec(dllexport) int MockSetCounters(LPCWSTR name, const uint8_t *key, uint64_t tx, uint64_t rx,
                                          uint64_t handshake) {
  auto it = g_adapters.find(name);
  if (it == g_adapters.end()) return 0;
  for (Peer &peer : it->second.peers) {
    if (std::memcmp(peer.key.data(), key, 32) != 0) continue;
    peer.tx = tx;
    peer.rx = rx;
    peer.handshake = handshake;
    return 1;
  }
  return 0;
}

// Adds a peer behind the plugin's back, so the plugin's next
// GetConfiguration needs more room than its previous answer (ERROR_MORE_DATA).
__declspec(dllexport) int MockAddPeers(LPCWSTR name, int count, int allowed_ips_each) {
  auto it = g_adapters.find(name);
  if (it == g_adapters.end()) return 0;
  for (int i = 0; i < count; ++i) {
    Peer peer;
    peer.key.fill(0x77);
    peer.key[0] = static_cast<uint8_t>(i);
    peer.key[1] = static_cast<uint8_t>(i >> 8);
    for (int j = 0; j < allowed_ips_each; ++j) {
      std::array<uint8_t, 24> ip{};
      ip[0] = 100, ip[1] = 64, ip[2] = static_cast<uint8_t>(i), ip[3] = static_cast<uint8_t>(j);
      ip[16] = 2;  // AF_INET
      ip[18] = 32;
      peer.allowed_ips.push_back(ip);
    }
    it->second.peers.push_back(peer);
  }
  return 1;
}

}  // extern "C"
