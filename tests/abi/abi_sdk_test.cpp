// SPDX-License-Identifier: Apache-2.0
// Run-time side of the ABI tests: the layout seen by the C11, C++17 and C++20
// translation units is compared, a C11 plugin's static descriptor is read back,
// and every helper of plugin.hpp (sized structs, readers tolerant of older and
// newer writers, the exception barrier, host strings, timers, logging and
// TRELLIS_DECLARE_PLUGIN) is driven against a recording fake host table.
#include "abi_probe.h"

#include <trellis/plugin.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// A host table whose services record what the plugin side did with them.
struct FakeHost {
  int allocs = 0;
  int frees = 0;
  std::vector<std::pair<trellis_host_ctx *, std::string>> logs;
  int timers_alive = 0;
  int timers_freed = 0;
  uint64_t last_arm_ns = 0;
  int cancels = 0;
  bool fail_timer_new = false;
  trellis_host_api api = trellis::sdk::sized<trellis_host_api>();

  static FakeHost *self;

  FakeHost() {
    self = this;
    api.abi_major = TRELLIS_ABI_MAJOR;
    api.abi_minor = TRELLIS_ABI_MINOR;
    api.host_version = "0.0.0-test";
    api.alloc = [](size_t n) -> void * {
      ++self->allocs;
      return std::malloc(n);
    };
    api.free = [](void *p) {
      if (p != nullptr) ++self->frees;
      std::free(p);
    };
    api.log = [](trellis_host_ctx *ctx, trellis_log_level, const char *msg) {
      self->logs.emplace_back(ctx, msg);
    };
    api.timer_new = [](trellis_host_ctx *, trellis_task_fn, void *) -> trellis_timer * {
      if (self->fail_timer_new) return nullptr;
      ++self->timers_alive;
      return reinterpret_cast<trellis_timer *>(new int(0));
    };
    api.timer_arm = [](trellis_timer *, uint64_t ns) { self->last_arm_ns = ns; };
    api.timer_cancel = [](trellis_timer *) { ++self->cancels; };
    api.timer_free = [](trellis_timer *t) {
      --self->timers_alive;
      ++self->timers_freed;
      delete reinterpret_cast<int *>(t);
    };
  }
};
FakeHost *FakeHost::self = nullptr;

trellis_host_ctx *fake_ctx(uintptr_t n) { return reinterpret_cast<trellis_host_ctx *>(n); }

// Installs a fake host as the plugin's host for one test, restoring after.
struct HostScope {
  FakeHost fake;
  trellis::sdk::Host saved = trellis::sdk::host();
  HostScope() {
    trellis::sdk::host().api = &fake.api;
    trellis::sdk::host().ctx = fake_ctx(0x10);
  }
  ~HostScope() { trellis::sdk::host() = saved; }
};

// A descriptor declared through the SDK macro, in this executable.
trellis_status decl_create(const trellis_create_params *, void **, char **error) {
  return trellis::sdk::fail(error, TRELLIS_E_UNSUPPORTED, "test");
}
void decl_destroy(void *) {}
trellis_auth_vtable decl_vtable = {0, "bearer", decl_create, decl_destroy, nullptr, nullptr, nullptr};

}  // namespace

TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_AUTH, "declared", "1.2.3", "declared in a test", decl_vtable)
static_assert(std::is_same_v<decltype(&trellis_plugin_entry_v1), trellis_plugin_entry_fn>,
              "TRELLIS_DECLARE_PLUGIN must define an entry of type trellis_plugin_entry_fn");

TEST_CASE("C11, C++17 and C++20 see the same struct sizes", "[abi]") {
  size_t c11[ABI_PROBE_TYPE_COUNT] = {};
  size_t cxx17[ABI_PROBE_TYPE_COUNT] = {};
  size_t cxx20[ABI_PROBE_TYPE_COUNT] = {};
  abi_probe_sizes_c11(c11);
  abi_probe_sizes_cxx17(cxx17);
  abi_probe_sizes_cxx20(cxx20);
  for (int i = 0; i < ABI_PROBE_TYPE_COUNT; ++i) {
    INFO("type #" << i);
    CHECK(c11[i] != 0);
    CHECK(c11[i] == cxx17[i]);
    CHECK(c11[i] == cxx20[i]);
  }
  CHECK(cxx20[ABI_PROBE_TYPE_COUNT - 1] == sizeof(trellis_plugin_descriptor));
}

TEST_CASE("a plugin written in C11 describes itself", "[abi]") {
  const trellis_plugin_descriptor *d = abi_probe_c11_descriptor();
  REQUIRE(d != nullptr);
  CHECK(d->struct_size == sizeof(trellis_plugin_descriptor));
  CHECK(d->abi_major == TRELLIS_ABI_MAJOR);
  CHECK(d->abi_minor == TRELLIS_ABI_MINOR);
  CHECK(d->kind == TRELLIS_KIND_AUTH);
  CHECK(std::string(d->name) == "c11-probe");
  const auto *vt = static_cast<const trellis_auth_vtable *>(d->vtable);
  REQUIRE(vt != nullptr);
  CHECK(vt->struct_size == sizeof(trellis_auth_vtable));
  CHECK(std::string(vt->credential_type) == "bearer");
  CHECK(vt->obtain_credential == nullptr);
  void *instance = reinterpret_cast<void *>(1);
  CHECK(vt->create(nullptr, &instance, nullptr) == TRELLIS_E_UNSUPPORTED);
  CHECK(instance == nullptr);
}

TEST_CASE("plugin.hpp helpers work when compiled as C++17", "[abi][sdk]") {
  CHECK(abi_probe_cxx17_helpers() == 0);
}

TEST_CASE("sized() zeroes and sets struct_size", "[sdk]") {
  const auto p = trellis::sdk::sized<trellis_tunnel_peer>();
  CHECK(p.struct_size == sizeof(trellis_tunnel_peer));
  CHECK(p.flags == 0);
  CHECK(p.allowed_ips == nullptr);
  for (uint8_t b : p.public_key) CHECK(b == 0);
}

TEST_CASE("read_sized() accepts older and newer writers", "[sdk]") {
  using trellis::sdk::read_sized;

  SECTION("older writer: the fields it did not know read as zero") {
    trellis_transport_session_params in = trellis::sdk::sized<trellis_transport_session_params>();
    std::memset(in.local_key, 0xab, sizeof in.local_key);
    in.controlling = 1;
    in.servers_json = "{}";
    in.struct_size = static_cast<uint32_t>(offsetof(trellis_transport_session_params, controlling));
    const auto out = read_sized(&in);
    CHECK(out.struct_size == sizeof(trellis_transport_session_params));
    CHECK(out.local_key[31] == 0xab);
    CHECK(out.controlling == 0);
    CHECK(out.servers_json == nullptr);
  }
  SECTION("newer writer: fields past ours are not read") {
    struct Newer {
      trellis_auth_request base;
      uint64_t appended;
    } in{};
    in.base.struct_size = sizeof(Newer);
    in.base.credential = "tok";
    in.appended = 0xfeedULL;
    const auto out = read_sized(&in.base);
    CHECK(out.struct_size == sizeof(trellis_auth_request));
    CHECK(std::string(out.credential) == "tok");
  }
  SECTION("garbage sizes and NULL read as a zeroed struct") {
    trellis_auth_request in = trellis::sdk::sized<trellis_auth_request>();
    in.credential = "tok";
    in.struct_size = 3;
    CHECK(read_sized(&in).credential == nullptr);
    in.struct_size = 0;
    CHECK(read_sized(&in).credential == nullptr);
    const trellis_auth_request *none = nullptr;
    const auto out = read_sized(none);
    CHECK(out.credential == nullptr);
  }
}

TEST_CASE("TRELLIS_HAS_FIELD checks the writer's size, byte-exact", "[sdk]") {
  trellis_tunnel_interface in = trellis::sdk::sized<trellis_tunnel_interface>();
  const trellis_tunnel_interface *p = &in;
  CHECK(TRELLIS_HAS_FIELD(p, address_count));
  in.struct_size = static_cast<uint32_t>(offsetof(trellis_tunnel_interface, address_count) + 7);
  CHECK_FALSE(TRELLIS_HAS_FIELD(p, address_count));
  CHECK(TRELLIS_HAS_FIELD(p, addresses));
  p = nullptr;
  CHECK_FALSE(TRELLIS_HAS_FIELD(p, flags));
}

TEST_CASE("the exception barrier turns every exception into a status", "[sdk]") {
  HostScope scope;
  using trellis::sdk::barrier;
  using trellis::sdk::HostString;

  HostString err;
  CHECK(barrier(err.out(), [] { throw trellis::sdk::Error(TRELLIS_E_CONFLICT, "stale"); }) ==
        TRELLIS_E_CONFLICT);
  CHECK(err.str() == "stale");
  CHECK(barrier(err.out(), [] { throw std::bad_alloc(); }) == TRELLIS_E_NOMEM);
  CHECK(err.str() == "out of memory");
  CHECK(barrier(err.out(), [] { throw std::logic_error("bug"); }) == TRELLIS_E_INTERNAL);
  CHECK(err.str() == "bug");
  CHECK(barrier(err.out(), [] { throw 42; }) == TRELLIS_E_INTERNAL);
  CHECK(err.str() == "unknown exception");
  CHECK(barrier(err.out(), [] {}) == TRELLIS_OK);
  CHECK_FALSE(err);
  CHECK(barrier(err.out(), [] { return TRELLIS_E_AGAIN; }) == TRELLIS_E_AGAIN);
  // No error out-parameter: the status still comes back.
  CHECK(barrier(nullptr, [] { throw std::runtime_error("x"); }) == TRELLIS_E_INTERNAL);
  err.reset();
  CHECK(scope.fake.allocs == scope.fake.frees);
}

TEST_CASE("barrier_void logs what it swallows", "[sdk]") {
  HostScope scope;
  trellis::sdk::barrier_void([] { throw std::runtime_error("in destroy"); });
  trellis::sdk::barrier_void([] { throw 1; });
  REQUIRE(scope.fake.logs.size() == 2);
  CHECK(scope.fake.logs[0].second == "exception at ABI boundary: in destroy");
  CHECK(scope.fake.logs[1].second == "unknown exception at ABI boundary");
}

TEST_CASE("Logger passes its instance context, else the library's", "[sdk]") {
  HostScope scope;
  trellis::sdk::Logger(fake_ctx(0x20)).warn("instance");
  trellis::sdk::Logger().info("library");
  REQUIRE(scope.fake.logs.size() == 2);
  CHECK(scope.fake.logs[0].first == fake_ctx(0x20));
  CHECK(scope.fake.logs[1].first == fake_ctx(0x10));
  trellis::sdk::host().api = nullptr;
  trellis::sdk::Logger().error("dropped without a host");
  CHECK(scope.fake.logs.size() == 2);
}

TEST_CASE("HostString and doc_free release through the host's free", "[sdk]") {
  HostScope scope;
  {
    trellis::sdk::HostString a(trellis::sdk::host_strdup("abc"));
    trellis::sdk::HostString b(std::move(a));
    CHECK_FALSE(a);
    CHECK(b.str() == "abc");
    a = std::move(b);
    CHECK(a.str() == "abc");
  }
  CHECK(scope.fake.allocs == 1);
  CHECK(scope.fake.frees == 1);

  trellis_doc doc = trellis::sdk::sized<trellis_doc>();
  doc.collection = trellis::sdk::host_strdup("peers");
  doc.id = trellis::sdk::host_strdup("p1");
  doc.account = trellis::sdk::host_strdup("");
  doc.json = trellis::sdk::host_strdup("{}");
  trellis::sdk::doc_free(&doc);
  CHECK(doc.json == nullptr);
  CHECK(scope.fake.frees == 5);
}

TEST_CASE("Timer owns one host timer", "[sdk]") {
  HostScope scope;
  {
    trellis::sdk::Timer t(fake_ctx(0x20), [](void *) {}, nullptr);
    t.arm_ns(5'000'000);
    CHECK(scope.fake.last_arm_ns == 5'000'000);
    trellis::sdk::Timer moved(std::move(t));
    moved.cancel();
    t.cancel();  // moved-from: no call reaches the host
    CHECK(scope.fake.cancels == 1);
    CHECK(scope.fake.timers_alive == 1);
  }
  CHECK(scope.fake.timers_alive == 0);
  CHECK(scope.fake.timers_freed == 1);
  scope.fake.fail_timer_new = true;
  CHECK_THROWS_AS(trellis::sdk::Timer(fake_ctx(0x20), [](void *) {}, nullptr), trellis::sdk::Error);
}

TEST_CASE("TRELLIS_DECLARE_PLUGIN fills the descriptor and sizes", "[sdk]") {
  HostScope scope;
  CHECK(trellis_plugin_entry_v1(nullptr, nullptr) == nullptr);
  trellis_host_api tiny = scope.fake.api;
  tiny.struct_size = 4;
  CHECK(trellis_plugin_entry_v1(&tiny, nullptr) == nullptr);

  const trellis_plugin_descriptor *d = trellis_plugin_entry_v1(&scope.fake.api, fake_ctx(0x30));
  REQUIRE(d != nullptr);
  CHECK(d->struct_size == sizeof(trellis_plugin_descriptor));
  CHECK(d->abi_major == TRELLIS_ABI_MAJOR);
  CHECK(d->abi_minor == TRELLIS_ABI_MINOR);
  CHECK(d->kind == TRELLIS_KIND_AUTH);
  CHECK(std::string(d->name) == "declared");
  CHECK(std::string(d->version) == "1.2.3");
  CHECK(d->vtable == &decl_vtable);
  CHECK(decl_vtable.struct_size == sizeof(trellis_auth_vtable));
  CHECK(trellis::sdk::host().api == &scope.fake.api);
  CHECK(trellis::sdk::host().ctx == fake_ctx(0x30));

  trellis::sdk::HostString err;
  void *instance = nullptr;
  CHECK(decl_vtable.create(nullptr, &instance, err.out()) == TRELLIS_E_UNSUPPORTED);
  CHECK(err.str() == "test");
}
