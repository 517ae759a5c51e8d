// SPDX-License-Identifier: Apache-2.0
// plugin.h and plugin.hpp compiled as C++ (built twice, -std=c++17 and
// -std=c++20, -pedantic -Werror): the layout table of abi_layout.h asserted as
// C++ sees it, the ABI structs checked to be standard-layout and trivially
// copyable (plugin.hpp's sized()/read_sized() memcpy them), the entry that
// TRELLIS_DECLARE_PLUGIN defines checked against trellis_plugin_entry_fn, and
// the helpers instantiated so template code is compiled in each standard.
#include "abi_layout.h"
#include "abi_probe.h"

#include <trellis/plugin.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <type_traits>

#ifndef ABI_PROBE_STD
#error "define ABI_PROBE_STD to 17 or 20"
#endif

#define ABI_PROBE_TRAITS_ONE(T)                                                        \
  static_assert(std::is_standard_layout_v<T>, #T " must be standard-layout");         \
  static_assert(std::is_trivially_copyable_v<T>, #T " must be trivially copyable");
ABI_PROBE_TYPES(ABI_PROBE_TRAITS_ONE)
#undef ABI_PROBE_TRAITS_ONE

static_assert(std::is_same_v<trellis_plugin_entry_fn,
                             const trellis_plugin_descriptor *(*)(const trellis_host_api *,
                                                                  trellis_host_ctx *)>,
              "the entry's signature is part of ABI v1");
static_assert(std::string_view(TRELLIS_PLUGIN_ENTRY_SYMBOL) == "trellis_plugin_entry_v1",
              "the entry symbol's name is part of ABI v1");

namespace {

// sized() is usable in constant expressions and sets struct_size.
constexpr trellis_auth_request kSizedRequest = trellis::sdk::sized<trellis_auth_request>();
static_assert(kSizedRequest.struct_size == sizeof(trellis_auth_request));
static_assert(kSizedRequest.credential == nullptr);

}  // namespace

#define ABI_PROBE_CAT2(a, b) a##b
#define ABI_PROBE_CAT(a, b) ABI_PROBE_CAT2(a, b)

extern "C" void ABI_PROBE_CAT(abi_probe_sizes_cxx, ABI_PROBE_STD)(size_t *out) {
  size_t i = 0;
#define ABI_PROBE_SIZE_ONE(T) out[i++] = sizeof(T);
  ABI_PROBE_TYPES(ABI_PROBE_SIZE_ONE)
#undef ABI_PROBE_SIZE_ONE
}

#if ABI_PROBE_STD == 17
namespace {

void *probe_alloc(size_t n) { return std::malloc(n); }
void probe_free(void *p) { std::free(p); }

}  // namespace

// The helpers compiled as C++17, driven against a minimal host table. The C++20
// build of the same helpers is exercised by abi_sdk_test.cpp.
extern "C" int abi_probe_cxx17_helpers(void) {
  using namespace trellis::sdk;
  const Host saved = host();
  trellis_host_api api = sized<trellis_host_api>();
  api.alloc = probe_alloc;
  api.free = probe_free;
  host().api = &api;
  int failed = 0;

  // An older writer: only struct_size and credential_type present.
  trellis_auth_request full = sized<trellis_auth_request>();
  full.credential_type = "bearer";
  full.credential = "secret";
  full.struct_size = static_cast<uint32_t>(offsetof(trellis_auth_request, credential));
  const trellis_auth_request seen = read_sized(&full);
  if (seen.struct_size != sizeof(trellis_auth_request) || seen.credential != nullptr ||
      seen.credential_type == nullptr) {
    failed = 1;
  }
  if (failed == 0 && (TRELLIS_HAS_FIELD(&full, credential) || !TRELLIS_HAS_FIELD(&full, credential_type))) {
    failed = 2;
  }

  char *error = nullptr;
  const trellis_status st =
      barrier(&error, []() -> trellis_status { throw std::runtime_error("boom"); });
  if (failed == 0 && (st != TRELLIS_E_INTERNAL || error == nullptr || std::strcmp(error, "boom") != 0)) {
    failed = 3;
  }
  {
    HostString owned(error);  // frees through api.free
    if (failed == 0 && owned.str() != "boom") failed = 4;
  }

  host() = saved;
  return failed;
}
#endif
