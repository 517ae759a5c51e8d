// SPDX-License-Identifier: Apache-2.0
// Parsing and validation of the kernel tunnel's JSON configuration.
#include "core/config.hpp"

#include <initializer_list>
#include <string_view>

#include <nlohmann/json.hpp>

namespace trellis::tunnel_kernel {
namespace {

struct IntKey {
  const char *name;
  int64_t min;
  int64_t max;
};

constexpr IntKey kMessageSize{"message_size", 512, 65536};
constexpr IntKey kPollInterval{"poll_interval_ms", 0, 3'600'000};
constexpr IntKey kRouteTable{"route_table", 1, 0xffffffffLL};
constexpr IntKey kRouteProtocol{"route_protocol", 3, 255};  // 2 is the kernel's own
constexpr IntKey kRouteMetric{"route_metric", 0, 0xffffffffLL};

Status read_int(const nlohmann::json &j, const IntKey &key, int64_t &value) {
  auto it = j.find(key.name);
  if (it == j.end() || it->is_null()) return Status::ok();
  const bool integral = it->is_number_integer() &&
                        !(it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX);
  if (integral) {
    const auto n = it->get<int64_t>();
    if (n >= key.min && n <= key.max) {
      value = n;
      return Status::ok();
    }
  }
  return Status::invalid(std::string(key.name) + " must be an integer between " +
                         std::to_string(key.min) + " and " + std::to_string(key.max));
}

}  // namespace

Status parse_config(const char *text, Config &out) {
  if (text == nullptr || *text == '\0') text = "{}";
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid("configuration is not valid JSON");
  if (!j.is_object()) return Status::invalid("configuration must be a mapping");
  for (const auto &item : j.items()) {
    bool known = false;
    for (const IntKey *k : {&kMessageSize, &kPollInterval, &kRouteTable, &kRouteProtocol,
                            &kRouteMetric}) {
      known = known || item.key() == k->name;
    }
    if (!known) return Status::invalid("unknown configuration key: " + item.key());
  }
  Config c;
  int64_t message_size = c.message_size, poll = c.poll_interval_ms, table = c.route_table,
          protocol = c.route_protocol, metric = c.route_metric;
  for (auto [key, value] : {std::pair{&kMessageSize, &message_size}, std::pair{&kPollInterval, &poll},
                            std::pair{&kRouteTable, &table}, std::pair{&kRouteProtocol, &protocol},
                            std::pair{&kRouteMetric, &metric}}) {
    if (Status s = read_int(j, *key, *value); !s) return s;
  }
  if (table == 0 || table == 253 || table == 255) {  // unspec, default, local
    return Status::invalid("route_table must not be 0 (unspec), 253 (default) or 255 (local)");
  }
  c.message_size = static_cast<uint32_t>(message_size);
  c.poll_interval_ms = static_cast<uint32_t>(poll);
  c.route_table = static_cast<uint32_t>(table);
  c.route_protocol = static_cast<uint8_t>(protocol);
  c.route_metric = static_cast<uint32_t>(metric);
  out = c;
  return Status::ok();
}

}  // namespace trellis::tunnel_kernel
