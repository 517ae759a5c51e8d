// SPDX-License-Identifier: Apache-2.0
// wireguard.dll, loaded at run time: our own declarations of the entry points
// its published API (wireguard.h of wireguard-nt) documents, and the loader.
// Nothing links against the DLL, so the plugin loads on a machine without it
// and says what is missing. Search order without dll_path: the plugin's own
// directory, then the application directory and System32 (never the current
// directory or PATH, where a planted DLL could hijack the load). Windows only.
#pragma once

#include <windows.h>

#include <ifdef.h>

#include <memory>
#include <optional>
#include <string>

namespace trellis::wgnt {

struct WgAdapter;  // WIREGUARD_ADAPTER_HANDLE points to one; opaque
using WgAdapterHandle = WgAdapter *;

// The enums of the API, passed as the C enums they are (int-sized).
enum WgAdapterState : int { kWgAdapterDown = 0, kWgAdapterUp = 1 };
enum WgAdapterLogState : int { kWgAdapterLogOff = 0, kWgAdapterLogOn = 1 };
enum WgLoggerLevel : int { kWgLogInfo = 0, kWgLogWarn = 1, kWgLogErr = 2 };

// Called by the DLL from any of its threads. timestamp: FILETIME.
using WgLoggerCallback = void(CALLBACK *)(int level, DWORD64 timestamp, LPCWSTR message);

class WireGuardDll {
 public:
  // Throws sdk::Error(TRELLIS_E_UNAVAILABLE) with "wireguard.dll not found
  // (install WireGuard for Windows or set dll_path)" when absent, or naming
  // the entry point an old DLL lacks.
  static std::unique_ptr<WireGuardDll> load(const std::optional<std::string> &dll_path);
  ~WireGuardDll();
  WireGuardDll(const WireGuardDll &) = delete;
  WireGuardDll &operator=(const WireGuardDll &) = delete;

  const std::string &path() const { return path_; }
  HMODULE module() const { return module_; }

  WgAdapterHandle(WINAPI *create_adapter)(LPCWSTR name, LPCWSTR tunnel_type, const GUID *guid) = nullptr;
  WgAdapterHandle(WINAPI *open_adapter)(LPCWSTR name) = nullptr;
  VOID(WINAPI *close_adapter)(WgAdapterHandle adapter) = nullptr;
  VOID(WINAPI *get_adapter_luid)(WgAdapterHandle adapter, NET_LUID *luid) = nullptr;
  DWORD(WINAPI *get_running_driver_version)(VOID) = nullptr;
  VOID(WINAPI *set_logger)(WgLoggerCallback logger) = nullptr;
  BOOL(WINAPI *set_adapter_logging)(WgAdapterHandle adapter, int log_state) = nullptr;
  BOOL(WINAPI *set_adapter_state)(WgAdapterHandle adapter, int state) = nullptr;
  BOOL(WINAPI *set_configuration)(WgAdapterHandle adapter, const void *config, DWORD bytes) = nullptr;
  BOOL(WINAPI *get_configuration)(WgAdapterHandle adapter, void *config, DWORD *bytes) = nullptr;

 private:
  WireGuardDll() = default;
  HMODULE module_ = nullptr;
  std::string path_;
};

}  // namespace trellis::wgnt
