// SPDX-License-Identifier: Apache-2.0
// One wireguard-nt adapter handle: open an existing adapter by name or create
// it, push and read configuration buffers, switch it up or down. Closing a
// handle from WireGuardCreateAdapter removes the adapter; closing one from
// WireGuardOpenAdapter only releases it. Errors are sdk::Error carrying the
// Win32 reason. Windows only; loop thread only.
#pragma once

#include <windows.h>

#include <ifdef.h>

#include <string>

#include "core/secure.hpp"
#include "io/wireguard_dll.hpp"

namespace trellis::wgnt {

class Adapter {
 public:
  // Opens the adapter `name`, or creates it in `pool` with `guid`.
  static Adapter open_or_create(const WireGuardDll &dll, const std::wstring &name,
                                const std::wstring &pool, const GUID &guid);
  Adapter(Adapter &&o) noexcept;
  Adapter &operator=(Adapter &&o) noexcept;
  Adapter(const Adapter &) = delete;
  Adapter &operator=(const Adapter &) = delete;
  ~Adapter();

  bool created() const { return created_; }
  NET_LUID luid() const;

  void set_configuration(const WipedBuffer &config);
  // The whole configuration; grows the buffer while the driver answers
  // ERROR_MORE_DATA (peers may be added between two calls), a bounded number of times.
  WipedBuffer get_configuration() const;
  void set_state(bool up);
  void set_logging(bool on);

 private:
  Adapter(const WireGuardDll *dll, WgAdapterHandle h, bool created)
      : dll_(dll), handle_(h), created_(created) {}
  void close() noexcept;

  const WireGuardDll *dll_ = nullptr;
  WgAdapterHandle handle_ = nullptr;
  bool created_ = false;
};

}  // namespace trellis::wgnt
