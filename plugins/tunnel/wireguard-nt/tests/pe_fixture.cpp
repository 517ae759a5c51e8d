// SPDX-License-Identifier: Apache-2.0
// Fixture DLLs for the cross test's PE checker, built only by the standalone
// mingw build: "leaky" exports a second function; "dynamic" links the C++
// runtime as a DLL (libstdc++-6.dll), which a self-contained plugin must not.
// The checker has to reject both.
#include <string>

#include <trellis/plugin.hpp>

#if defined(WGNT_FIXTURE_LEAKY)
extern "C" TRELLIS_EXPORT int trellis_fixture_leak(void) { return 1; }
#endif

namespace {
trellis_tunnel_vtable fixture_vtable = {};
}  // namespace

// Something that needs libstdc++ at run time.
extern "C" size_t wgnt_fixture_length(const char *s) { return std::string(s).size(); }

TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_TUNNEL, "pe-fixture", "0.0.0", "fixture", fixture_vtable)
