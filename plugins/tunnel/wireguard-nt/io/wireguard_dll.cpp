// SPDX-License-Identifier: Apache-2.0
// Loading wireguard.dll and resolving its entry points (see wireguard_dll.hpp).
#include "io/wireguard_dll.hpp"

#include <vector>

#include <trellis/plugin.hpp>

#include "io/win_error.hpp"

namespace trellis::wgnt {
namespace {

constexpr char kNotFound[] = "wireguard.dll not found (install WireGuard for Windows or set dll_path)";

bool is_absolute(const std::wstring &p) {
  if (p.size() >= 3 && p[1] == L':' && (p[2] == L'\\' || p[2] == L'/')) return true;
  return p.size() >= 2 && (p[0] == L'\\' || p[0] == L'/') && p[1] == p[0];  // \\server\share
}

bool file_exists(const std::wstring &p) {
  const DWORD a = GetFileAttributesW(p.c_str());
  return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

// The directory of the module holding this code (the plugin DLL), with a
// trailing separator; empty if it cannot be found.
std::wstring plugin_directory() {
  static const char anchor = 0;  // any address inside this module
  HMODULE self = nullptr;
  if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                              GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          reinterpret_cast<LPCWSTR>(&anchor), &self))
    return {};
  std::vector<wchar_t> buf(MAX_PATH);
  for (int attempt = 0; attempt < 6; ++attempt) {  // up to 32 Ki characters
    const DWORD n = GetModuleFileNameW(self, buf.data(), static_cast<DWORD>(buf.size()));
    if (n == 0) return {};
    if (n < buf.size()) {
      std::wstring path(buf.data(), n);
      const size_t slash = path.find_last_of(L"\\/");
      return slash == std::wstring::npos ? std::wstring() : path.substr(0, slash + 1);
    }
    buf.resize(buf.size() * 2);
  }
  return {};
}

template <typename Fn>
void resolve(HMODULE module, const char *name, Fn *&out, const std::string &path) {
  FARPROC proc = GetProcAddress(module, name);
  if (proc == nullptr)
    throw sdk::Error(TRELLIS_E_UNAVAILABLE, path + " has no " + name + " (an older wireguard-nt?)");
  // Through a generic function pointer: the documented signature is ours to state.
  out = reinterpret_cast<Fn *>(reinterpret_cast<void (*)()>(proc));
}

}  // namespace

std::unique_ptr<WireGuardDll> WireGuardDll::load(const std::optional<std::string> &dll_path) {
  std::unique_ptr<WireGuardDll> dll(new WireGuardDll());
  DWORD err = ERROR_MOD_NOT_FOUND;
  if (dll_path) {
    const std::wstring path = win::wide(*dll_path, "dll_path");
    if (!is_absolute(path))
      throw sdk::Error(TRELLIS_E_INVALID, "dll_path must be an absolute path: " + *dll_path);
    dll->module_ = LoadLibraryExW(path.c_str(), nullptr,
                                  LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (dll->module_ == nullptr) err = GetLastError();
  } else {
    const std::wstring dir = plugin_directory();
    const std::wstring beside = dir + L"wireguard.dll";
    if (!dir.empty() && file_exists(beside)) {
      dll->module_ = LoadLibraryExW(beside.c_str(), nullptr,
                                    LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
      if (dll->module_ == nullptr) err = GetLastError();
    } else {
      dll->module_ = LoadLibraryExW(L"wireguard.dll", nullptr,
                                    LOAD_LIBRARY_SEARCH_APPLICATION_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
      if (dll->module_ == nullptr) err = GetLastError();
    }
  }
  if (dll->module_ == nullptr) {
    if (err == ERROR_MOD_NOT_FOUND || err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
      throw sdk::Error(TRELLIS_E_UNAVAILABLE,
                       dll_path ? std::string(kNotFound) + " at " + *dll_path : std::string(kNotFound));
    throw sdk::Error(TRELLIS_E_UNAVAILABLE, "cannot load wireguard.dll: " + win::message(err));
  }

  std::vector<wchar_t> buf(32768);
  const DWORD n = GetModuleFileNameW(dll->module_, buf.data(), static_cast<DWORD>(buf.size()));
  dll->path_ = n > 0 && n < buf.size() ? win::narrow(std::wstring_view(buf.data(), n)) : "wireguard.dll";

  resolve(dll->module_, "WireGuardCreateAdapter", dll->create_adapter, dll->path_);
  resolve(dll->module_, "WireGuardOpenAdapter", dll->open_adapter, dll->path_);
  resolve(dll->module_, "WireGuardCloseAdapter", dll->close_adapter, dll->path_);
  resolve(dll->module_, "WireGuardGetAdapterLUID", dll->get_adapter_luid, dll->path_);
  resolve(dll->module_, "WireGuardGetRunningDriverVersion", dll->get_running_driver_version, dll->path_);
  resolve(dll->module_, "WireGuardSetLogger", dll->set_logger, dll->path_);
  resolve(dll->module_, "WireGuardSetAdapterLogging", dll->set_adapter_logging, dll->path_);
  resolve(dll->module_, "WireGuardSetAdapterState", dll->set_adapter_state, dll->path_);
  resolve(dll->module_, "WireGuardSetConfiguration", dll->set_configuration, dll->path_);
  resolve(dll->module_, "WireGuardGetConfiguration", dll->get_configuration, dll->path_);
  return dll;
}

WireGuardDll::~WireGuardDll() {
  if (module_ != nullptr) FreeLibrary(module_);
}

}  // namespace trellis::wgnt
