// SPDX-License-Identifier: Apache-2.0
// check_descriptor (see plugin_abi.hpp). Members are described by offset and
// size, so one routine checks "inside struct_size" and "not NULL" for every kind.
#include "core/plugin_abi.hpp"

#include <cstddef>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace trellis::core {
namespace {

struct Member {
  const char *name;
  size_t offset;
  size_t size;
};
#define TRELLIS_MEMBER(T, m) Member{#m, offsetof(T, m), sizeof(((T *)nullptr)->m)}

// A pointer-sized member of a zero-extended copy.
bool member_set(const void *copy, const Member &m) {
  uintptr_t v = 0;
  std::memcpy(&v, static_cast<const char *>(copy) + m.offset, sizeof v);
  return v != 0;
}

std::string bounded(const char *s, size_t max) {
  if (s == nullptr) return {};
  return std::string(s, strnlen(s, max));
}

// Copies a vtable of type T, checking every required member. Returns "" or a reason.
template <typename T>
std::string copy_vtable(const void *raw, const std::vector<Member> &required, PluginVtable &out,
                        T &copy) {
  uint32_t size = 0;
  std::memcpy(&size, raw, sizeof size);
  for (const Member &m : required) {
    if (size < m.offset + m.size) {
      return fmt::format("vtable struct_size {} is too small: required member '{}' needs {} bytes",
                         size, m.name, m.offset + m.size);
    }
  }
  copy = T{};
  std::memcpy(&copy, raw, std::min<size_t>(size, sizeof(T)));
  copy.struct_size = static_cast<uint32_t>(sizeof(T));
  for (const Member &m : required) {
    if (!member_set(&copy, m)) return fmt::format("required vtable member '{}' is NULL", m.name);
  }
  out = copy;
  return {};
}

std::string check_tunnel(const void *raw, PluginVtable &out) {
  using T = trellis_tunnel_vtable;
  T vt;
  // `capabilities` precedes `create`, so requiring create covers it too.
  std::string why = copy_vtable<T>(
      raw,
      {TRELLIS_MEMBER(T, create), TRELLIS_MEMBER(T, destroy), TRELLIS_MEMBER(T, up),
       TRELLIS_MEMBER(T, set_interface), TRELLIS_MEMBER(T, down), TRELLIS_MEMBER(T, set_peer),
       TRELLIS_MEMBER(T, remove_peer), TRELLIS_MEMBER(T, get_stats)},
      out, vt);
  if (!why.empty()) return why;
  struct Cap {
    uint32_t bit;
    const char *cap;
    bool present;
    const char *member;
  };
  const Cap caps[] = {
      {TRELLIS_TUNNEL_CAP_PACKET_PATH, "TRELLIS_TUNNEL_CAP_PACKET_PATH", vt.set_peer_path != nullptr,
       "set_peer_path"},
      {TRELLIS_TUNNEL_CAP_FIREWALL, "TRELLIS_TUNNEL_CAP_FIREWALL", vt.set_firewall != nullptr,
       "set_firewall"},
      {TRELLIS_TUNNEL_CAP_ROUTES, "TRELLIS_TUNNEL_CAP_ROUTES", vt.set_routes != nullptr,
       "set_routes"},
  };
  for (const Cap &c : caps) {
    if ((vt.capabilities & c.bit) != 0 && !c.present) {
      out = std::monostate{};
      return fmt::format("declares {} but '{}' is NULL or beyond its vtable struct_size", c.cap,
                         c.member);
    }
  }
  return {};
}

std::string check_transport(const void *raw, PluginVtable &out) {
  using T = trellis_transport_vtable;
  T vt;
  return copy_vtable<T>(
      raw,
      {TRELLIS_MEMBER(T, create), TRELLIS_MEMBER(T, destroy), TRELLIS_MEMBER(T, session_new),
       TRELLIS_MEMBER(T, session_start), TRELLIS_MEMBER(T, session_consume_signal),
       TRELLIS_MEMBER(T, session_restart), TRELLIS_MEMBER(T, session_free)},
      out, vt);
}

std::string check_auth(const void *raw, PluginVtable &out) {
  using T = trellis_auth_vtable;
  T vt;
  std::string why =
      copy_vtable<T>(raw, {TRELLIS_MEMBER(T, create), TRELLIS_MEMBER(T, destroy)}, out, vt);
  if (!why.empty()) return why;
  std::string problem;
  if (vt.authenticate == nullptr && vt.obtain_credential == nullptr)
    problem = "neither 'authenticate' nor 'obtain_credential' is set";
  else if (vt.authenticate != nullptr && vt.credential_type == nullptr)
    problem = "'authenticate' is set but 'credential_type' is NULL";
  else if (vt.cancel == nullptr)
    problem = "required vtable member 'cancel' is NULL";
  if (!problem.empty()) out = std::monostate{};
  return problem;
}

std::string check_storage(const void *raw, PluginVtable &out) {
  using T = trellis_storage_vtable;
  T vt;
  return copy_vtable<T>(
      raw,
      {TRELLIS_MEMBER(T, create), TRELLIS_MEMBER(T, destroy), TRELLIS_MEMBER(T, begin),
       TRELLIS_MEMBER(T, commit), TRELLIS_MEMBER(T, rollback), TRELLIS_MEMBER(T, get),
       TRELLIS_MEMBER(T, put), TRELLIS_MEMBER(T, remove), TRELLIS_MEMBER(T, scan),
       TRELLIS_MEMBER(T, append_event), TRELLIS_MEMBER(T, page_events)},
      out, vt);
}

}  // namespace

const char *kind_name(trellis_plugin_kind kind) {
  switch (kind) {
    case TRELLIS_KIND_TUNNEL: return "tunnel";
    case TRELLIS_KIND_TRANSPORT: return "transport";
    case TRELLIS_KIND_AUTH: return "auth";
    case TRELLIS_KIND_STORAGE: return "storage";
  }
  return "unknown";
}

std::optional<trellis_plugin_kind> parse_kind(std::string_view name) {
  if (name == "tunnel") return TRELLIS_KIND_TUNNEL;
  if (name == "transport") return TRELLIS_KIND_TRANSPORT;
  if (name == "auth") return TRELLIS_KIND_AUTH;
  if (name == "storage") return TRELLIS_KIND_STORAGE;
  return std::nullopt;
}

const char *status_name(trellis_status status) {
  switch (status) {
    case TRELLIS_OK: return "TRELLIS_OK";
    case TRELLIS_E_INVALID: return "TRELLIS_E_INVALID";
    case TRELLIS_E_NOMEM: return "TRELLIS_E_NOMEM";
    case TRELLIS_E_NOT_FOUND: return "TRELLIS_E_NOT_FOUND";
    case TRELLIS_E_EXISTS: return "TRELLIS_E_EXISTS";
    case TRELLIS_E_CONFLICT: return "TRELLIS_E_CONFLICT";
    case TRELLIS_E_UNSUPPORTED: return "TRELLIS_E_UNSUPPORTED";
    case TRELLIS_E_IO: return "TRELLIS_E_IO";
    case TRELLIS_E_DENIED: return "TRELLIS_E_DENIED";
    case TRELLIS_E_UNAVAILABLE: return "TRELLIS_E_UNAVAILABLE";
    case TRELLIS_E_TIMEOUT: return "TRELLIS_E_TIMEOUT";
    case TRELLIS_E_ABI: return "TRELLIS_E_ABI";
    case TRELLIS_E_CLOSED: return "TRELLIS_E_CLOSED";
    case TRELLIS_E_AGAIN: return "TRELLIS_E_AGAIN";
    case TRELLIS_E_INTERNAL: return "TRELLIS_E_INTERNAL";
    default: return "unknown status";
  }
}

bool valid_plugin_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string plugin_abi_text(bool known, uint16_t major, std::optional<uint16_t> minor) {
  if (!known) return "ABI unknown";
  if (!minor) return fmt::format("built for ABI {}", major);
  return fmt::format("built for ABI {}.{}", major, *minor);
}

std::string host_abi_text() { return fmt::format("{}.{}", TRELLIS_ABI_MAJOR, TRELLIS_ABI_MINOR); }

std::string refusal_line(const std::string &path, const std::string &plugin_abi,
                         const std::string &reason) {
  return fmt::format("plugin {}: {}, host is ABI {}: refused: {}", path, plugin_abi,
                     host_abi_text(), reason);
}

DescriptorVerdict check_descriptor(const trellis_plugin_descriptor *d) {
  DescriptorVerdict v;
  if (d == nullptr) {
    v.reason = "its entry returned no descriptor (the plugin declined to load; see its log)";
    return v;
  }
  constexpr size_t kVersionEnd = offsetof(trellis_plugin_descriptor, abi_minor) + sizeof(uint16_t);
  if (d->struct_size < kVersionEnd) {
    v.reason = fmt::format("descriptor struct_size {} is too small to hold an ABI version",
                           d->struct_size);
    return v;
  }
  v.abi_known = true;
  v.abi_major = d->abi_major;
  v.abi_minor = d->abi_minor;
  if (d->abi_major != TRELLIS_ABI_MAJOR) {
    v.reason = fmt::format("ABI major version {} differs from the host's {}", d->abi_major,
                           TRELLIS_ABI_MAJOR);
    return v;
  }
  if (d->abi_minor > TRELLIS_ABI_MINOR) {
    v.reason = fmt::format("it needs a newer host (ABI {}.{} or later)", d->abi_major, d->abi_minor);
    return v;
  }
  if (d->struct_size < sizeof(trellis_plugin_descriptor)) {
    v.reason = fmt::format("descriptor struct_size {} is too small (ABI 1.0 needs {})",
                           d->struct_size, sizeof(trellis_plugin_descriptor));
    return v;
  }
  v.kind = d->kind;
  v.name = bounded(d->name, 65);
  v.version = bounded(d->version, 65);
  v.description = bounded(d->description, 256);
  if (std::string_view(kind_name(d->kind)) == "unknown") {
    v.reason = fmt::format("unknown plugin kind {}", static_cast<int>(d->kind));
    return v;
  }
  if (!valid_plugin_name(v.name)) {
    v.reason = fmt::format("invalid plugin name '{}' (want [a-z0-9-]{{1,64}})", v.name);
    return v;
  }
  if (d->version == nullptr || v.version.empty() || v.version.size() > 64) {
    v.reason = "missing or overlong version string";
    return v;
  }
  if (d->vtable == nullptr) {
    v.reason = "descriptor has no vtable";
    return v;
  }
  switch (d->kind) {
    case TRELLIS_KIND_TUNNEL: v.reason = check_tunnel(d->vtable, v.vtable); break;
    case TRELLIS_KIND_TRANSPORT: v.reason = check_transport(d->vtable, v.vtable); break;
    case TRELLIS_KIND_AUTH: v.reason = check_auth(d->vtable, v.vtable); break;
    case TRELLIS_KIND_STORAGE: v.reason = check_storage(d->vtable, v.vtable); break;
  }
  v.ok = v.reason.empty();
  return v;
}

}  // namespace trellis::core
