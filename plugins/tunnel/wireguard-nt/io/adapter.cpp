// SPDX-License-Identifier: Apache-2.0
// A wireguard-nt adapter handle (see adapter.hpp).
#include "io/adapter.hpp"

#include <cstring>
#include <string>
#include <utility>

#include <trellis/plugin.hpp>

#include "core/nt_layout.hpp"
#include "io/win_error.hpp"

namespace trellis::wgnt {
namespace {
constexpr int kGetAttempts = 8;
constexpr DWORD kInitialGetSize = 4096;
constexpr DWORD kMaxGetSize = 256u << 20;  // 1 M peers' worth; beyond is a driver bug
}  // namespace

Adapter Adapter::open_or_create(const WireGuardDll &dll, const std::wstring &name,
                                const std::wstring &pool, const GUID &guid) {
  if (WgAdapterHandle h = dll.open_adapter(name.c_str())) return Adapter(&dll, h, false);
  const DWORD open_err = GetLastError();
  if (open_err != ERROR_FILE_NOT_FOUND && open_err != ERROR_NOT_FOUND && open_err != ERROR_OBJECT_NOT_FOUND &&
      open_err != ERROR_DEVICE_NOT_AVAILABLE)
    win::fail("WireGuardOpenAdapter " + win::narrow(name), open_err);
  if (WgAdapterHandle h = dll.create_adapter(name.c_str(), pool.c_str(), &guid)) return Adapter(&dll, h, true);
  win::fail("WireGuardCreateAdapter " + win::narrow(name) + " in pool " + win::narrow(pool), GetLastError());
}

Adapter::Adapter(Adapter &&o) noexcept
    : dll_(o.dll_), handle_(std::exchange(o.handle_, nullptr)), created_(o.created_) {}

Adapter &Adapter::operator=(Adapter &&o) noexcept {
  if (this != &o) {
    close();
    dll_ = o.dll_;
    handle_ = std::exchange(o.handle_, nullptr);
    created_ = o.created_;
  }
  return *this;
}

Adapter::~Adapter() { close(); }

void Adapter::close() noexcept {
  if (handle_ != nullptr) dll_->close_adapter(handle_);
  handle_ = nullptr;
}

NET_LUID Adapter::luid() const {
  NET_LUID luid;
  luid.Value = 0;
  dll_->get_adapter_luid(handle_, &luid);
  return luid;
}

void Adapter::set_configuration(const WipedBuffer &config) {
  if (!dll_->set_configuration(handle_, config.data(), static_cast<DWORD>(config.size())))
    win::fail("WireGuardSetConfiguration", GetLastError());
}

WipedBuffer Adapter::get_configuration() const {
  DWORD size = kInitialGetSize;
  for (int attempt = 0; attempt < kGetAttempts; ++attempt) {
    WipedBuffer buf(size);
    DWORD bytes = size;
    if (dll_->get_configuration(handle_, buf.data(), &bytes)) {
      if (bytes > size)
        throw sdk::Error(TRELLIS_E_IO, "WireGuardGetConfiguration reported more bytes than it had");
      WipedBuffer exact(bytes);
      std::memcpy(exact.data(), buf.data(), bytes);
      return exact;
    }
    const DWORD err = GetLastError();
    if (err != ERROR_MORE_DATA) win::fail("WireGuardGetConfiguration", err);
    if (bytes <= size) bytes = size * 2;
    if (bytes > kMaxGetSize)
      throw sdk::Error(TRELLIS_E_IO, "WireGuardGetConfiguration wants " + std::to_string(bytes) + " bytes");
    size = bytes + 64 * static_cast<DWORD>(sizeof(NtAllowedIp));  // room for a few more
  }
  throw sdk::Error(TRELLIS_E_AGAIN, "WireGuardGetConfiguration: configuration kept growing");
}

void Adapter::set_state(bool up) {
  if (!dll_->set_adapter_state(handle_, up ? kWgAdapterUp : kWgAdapterDown))
    win::fail(up ? "WireGuardSetAdapterState up" : "WireGuardSetAdapterState down", GetLastError());
}

void Adapter::set_logging(bool on) {
  if (!dll_->set_adapter_logging(handle_, on ? kWgAdapterLogOn : kWgAdapterLogOff))
    win::fail("WireGuardSetAdapterLogging", GetLastError());
}

}  // namespace trellis::wgnt
