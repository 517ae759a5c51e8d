// SPDX-License-Identifier: Apache-2.0
// trellis/plugin.hpp — header-only C++ helpers for writing plugins against
// plugin.h: the exception barrier every ABI entry goes through, sized-struct
// helpers, RAII for host-allocated strings, a logger, and TRELLIS_DECLARE_PLUGIN,
// which defines the one exported entry symbol and fills every size for you.
// Nothing here crosses the ABI; it compiles into the plugin.
#pragma once

#include <trellis/plugin.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace trellis::sdk {

// The host table and library context the entry received; set by
// TRELLIS_DECLARE_PLUGIN before anything else runs.
struct Host {
  const trellis_host_api *api = nullptr;
  trellis_host_ctx *ctx = nullptr;
};
inline Host &host() {
  static Host h;
  return h;
}

// A zeroed T with struct_size set: the only way to make an ABI struct.
template <typename T>
constexpr T sized() {
  static_assert(std::is_standard_layout_v<T>);
  T v{};
  v.struct_size = static_cast<uint32_t>(sizeof(T));
  return v;
}

// Read a struct written by the other side, which may be older (smaller) or
// newer (larger): copy min(its size, ours) into a zeroed T.
template <typename T>
T read_sized(const T *in) {
  T out{};
  if (in == nullptr) return out;
  uint32_t n = in->struct_size;
  if (n > sizeof(T)) n = sizeof(T);
  if (n >= sizeof(uint32_t)) std::memcpy(&out, in, n);
  out.struct_size = static_cast<uint32_t>(sizeof(T));
  return out;
}

// True when a struct from the other side is at least large enough to hold
// `member` (use with offsetof + sizeof of the member).
template <typename T>
bool has_field(const T *in, size_t end_offset) {
  return in != nullptr && in->struct_size >= end_offset;
}
#define TRELLIS_HAS_FIELD(ptr, member)                                                            \
  ::trellis::sdk::has_field((ptr), offsetof(std::remove_pointer_t<decltype(ptr)>, member) +       \
                                       sizeof(((ptr))->member))

// A copy of s in host-allocated memory, for error text and JSON results.
inline char *host_strdup(std::string_view s) {
  const trellis_host_api *api = host().api;
  if (api == nullptr || api->alloc == nullptr) return nullptr;
  auto *p = static_cast<char *>(api->alloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

// Fill an error out-parameter (if the caller gave one) and return status.
inline trellis_status fail(char **error, trellis_status status, std::string_view message) {
  if (error != nullptr) *error = host_strdup(message);
  return status;
}

// An exception thrown inside a plugin that carries its status code.
class Error : public std::exception {
 public:
  Error(trellis_status status, std::string message)
      : status_(status), message_(std::move(message)) {}
  trellis_status status() const noexcept { return status_; }
  const char *what() const noexcept override { return message_.c_str(); }

 private:
  trellis_status status_;
  std::string message_;
};

// The exception barrier: run f, turn any exception into a status + error text.
// f returns trellis_status or void.
template <typename F>
trellis_status barrier(char **error, F &&f) noexcept {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      std::forward<F>(f)();
      return TRELLIS_OK;
    } else {
      return std::forward<F>(f)();
    }
  } catch (const Error &e) {
    return fail(error, e.status(), e.what());
  } catch (const std::bad_alloc &) {
    return fail(error, TRELLIS_E_NOMEM, "out of memory");
  } catch (const std::exception &e) {
    return fail(error, TRELLIS_E_INTERNAL, e.what());
  } catch (...) {
    return fail(error, TRELLIS_E_INTERNAL, "unknown exception");
  }
}

// For void entries (destroy, free): swallow and log.
template <typename F>
void barrier_void(F &&f) noexcept;

// Logging through the host, tagged by the host with plugin and instance.
class Logger {
 public:
  Logger() = default;
  explicit Logger(trellis_host_ctx *ctx) : ctx_(ctx) {}
  void log(trellis_log_level level, std::string_view msg) const noexcept {
    const trellis_host_api *api = host().api;
    if (api == nullptr || api->log == nullptr) return;
    try {
      std::string s(msg);
      api->log(ctx_ != nullptr ? ctx_ : host().ctx, level, s.c_str());
    } catch (...) {
    }
  }
  void trace(std::string_view m) const noexcept { log(TRELLIS_LOG_TRACE, m); }
  void debug(std::string_view m) const noexcept { log(TRELLIS_LOG_DEBUG, m); }
  void info(std::string_view m) const noexcept { log(TRELLIS_LOG_INFO, m); }
  void warn(std::string_view m) const noexcept { log(TRELLIS_LOG_WARN, m); }
  void error(std::string_view m) const noexcept { log(TRELLIS_LOG_ERROR, m); }

 private:
  trellis_host_ctx *ctx_ = nullptr;
};

template <typename F>
void barrier_void(F &&f) noexcept {
  try {
    std::forward<F>(f)();
  } catch (const std::exception &e) {
    Logger().error(std::string("exception at ABI boundary: ") + e.what());
  } catch (...) {
    Logger().error("unknown exception at ABI boundary");
  }
}

// Owns a string allocated by the host's allocator (e.g. an error text or a JSON
// result coming back from a host service) and frees it with the host's free.
class HostString {
 public:
  HostString() = default;
  explicit HostString(char *p) : p_(p) {}
  HostString(const HostString &) = delete;
  HostString &operator=(const HostString &) = delete;
  HostString(HostString &&o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  HostString &operator=(HostString &&o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  ~HostString() { reset(); }
  char **out() {
    reset();
    return &p_;
  }
  const char *get() const { return p_; }
  std::string str() const { return p_ != nullptr ? std::string(p_) : std::string(); }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() {
    if (p_ != nullptr && host().api != nullptr) host().api->free(p_);
    p_ = nullptr;
  }

 private:
  char *p_ = nullptr;
};

// A one-shot timer on the host loop, freed with its owner. Loop thread only.
class Timer {
 public:
  Timer() = default;
  Timer(trellis_host_ctx *ctx, trellis_task_fn fn, void *user)
      : t_(host().api->timer_new(ctx, fn, user)) {
    if (t_ == nullptr) throw Error(TRELLIS_E_NOMEM, "timer_new failed");
  }
  Timer(const Timer &) = delete;
  Timer &operator=(const Timer &) = delete;
  Timer(Timer &&o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
  Timer &operator=(Timer &&o) noexcept {
    if (this != &o) {
      reset();
      t_ = std::exchange(o.t_, nullptr);
    }
    return *this;
  }
  ~Timer() { reset(); }
  void arm_ns(uint64_t delay_ns) { host().api->timer_arm(t_, delay_ns); }
  void cancel() {
    if (t_ != nullptr) host().api->timer_cancel(t_);
  }
  void reset() {
    if (t_ != nullptr) host().api->timer_free(t_);
    t_ = nullptr;
  }

 private:
  trellis_timer *t_ = nullptr;
};

// Frees the strings a storage `get` filled in.
inline void doc_free(trellis_doc *doc) {
  const trellis_host_api *api = host().api;
  if (doc == nullptr || api == nullptr) return;
  api->free(const_cast<char *>(doc->collection));
  api->free(const_cast<char *>(doc->id));
  api->free(const_cast<char *>(doc->account));
  api->free(const_cast<char *>(doc->json));
  doc->collection = doc->id = doc->account = doc->json = nullptr;
}

}  // namespace trellis::sdk

// Defines the plugin's entry symbol. KIND is a trellis_plugin_kind, VTABLE the
// name of a static, fully initialised vtable object of that kind (its
// struct_size is set here). Use once per library, at namespace scope.
//
//   static trellis_auth_vtable vt = { .create = ..., ... };
//   TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_AUTH, "allowlist", "1.0.0", "Tokens from a file", vt)
#define TRELLIS_DECLARE_PLUGIN(KIND, NAME, VERSION, DESCRIPTION, VTABLE)                          \
  extern "C" TRELLIS_EXPORT const trellis_plugin_descriptor *trellis_plugin_entry_v1(             \
      const trellis_host_api *host_api, trellis_host_ctx *host_ctx) {                              \
    if (host_api == nullptr || host_api->struct_size < sizeof(uint32_t) * 2) return nullptr;      \
    ::trellis::sdk::host().api = host_api;                                                          \
    ::trellis::sdk::host().ctx = host_ctx;                                                          \
    (VTABLE).struct_size = static_cast<uint32_t>(sizeof(VTABLE));                                   \
    static trellis_plugin_descriptor descriptor = {                                                \
        static_cast<uint32_t>(sizeof(trellis_plugin_descriptor)),                                  \
        TRELLIS_ABI_MAJOR,                                                                          \
        TRELLIS_ABI_MINOR,                                                                          \
        (KIND),                                                                                     \
        (NAME),                                                                                     \
        (VERSION),                                                                                  \
        (DESCRIPTION),                                                                              \
        &(VTABLE)};                                                                                 \
    return &descriptor;                                                                             \
  }
