// SPDX-License-Identifier: Apache-2.0
// Metrics: a registry of counters and gauges rendered in the Prometheus text
// exposition format 0.0.4. Every family name gets the "trellis_" prefix; names
// match [a-z_][a-z0-9_]*; labels are written `k="v",k2="v2"` (values may use
// \\, \" and \n escapes). Updates are lock-free atomics; registration and
// rendering take the registry lock. Registering an existing name+labels again
// returns the same series (reference-counted until remove()).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trellis::core {

enum class MetricType { counter, gauge };

class MetricSeries {
 public:
  MetricSeries(MetricType type, std::string family, std::string labels)
      : type_(type), family_(std::move(family)), labels_(std::move(labels)) {}
  MetricType type() const { return type_; }
  // Counters only go up; gauges are set (or moved by add_gauge).
  void add(uint64_t delta) { counter_.fetch_add(delta, std::memory_order_relaxed); }
  void set(double value) { gauge_.store(value, std::memory_order_relaxed); }
  void add_gauge(double delta) {
    double cur = gauge_.load(std::memory_order_relaxed);
    while (!gauge_.compare_exchange_weak(cur, cur + delta, std::memory_order_relaxed)) {
    }
  }
  uint64_t counter_value() const { return counter_.load(std::memory_order_relaxed); }
  double gauge_value() const { return gauge_.load(std::memory_order_relaxed); }
  const std::string &family() const { return family_; }
  const std::string &labels() const { return labels_; }

 private:
  MetricType type_;
  std::string family_;  // full name, with the prefix
  std::string labels_;  // canonical `k="v",...` (escaped), "" for none
  std::atomic<uint64_t> counter_{0};
  std::atomic<double> gauge_{0.0};
};

using Label = std::pair<std::string, std::string>;  // name, unescaped value

class Metrics {
 public:
  static constexpr std::string_view kPrefix = "trellis_";

  // Throws std::invalid_argument on a bad name or labels, or when the family
  // exists with another type.
  std::shared_ptr<MetricSeries> add(MetricType type, std::string_view name, std::string_view help,
                                    std::string_view labels = {});
  std::shared_ptr<MetricSeries> counter(std::string_view name, std::string_view help,
                                        std::string_view labels = {}) {
    return add(MetricType::counter, name, help, labels);
  }
  std::shared_ptr<MetricSeries> gauge(std::string_view name, std::string_view help,
                                      std::string_view labels = {}) {
    return add(MetricType::gauge, name, help, labels);
  }
  // Drops one registration; the series leaves the output when none is left.
  // The handle itself stays valid for its holders.
  void remove(const std::shared_ptr<MetricSeries> &series);

  // The exposition text, families and series sorted.
  std::string render() const;
  // Number of series currently exported.
  size_t size() const;

  static bool valid_name(std::string_view name);
  // Parses `k="v",k2="v2"`; nullopt when malformed (bad name, quote, escape,
  // duplicate key, or a name starting with "__").
  static std::optional<std::vector<Label>> parse_labels(std::string_view text);
  static std::string format_labels(const std::vector<Label> &labels);
  static std::string format_value(double v);

 private:
  struct Entry {
    std::shared_ptr<MetricSeries> series;
    int refs = 0;
  };
  struct Family {
    MetricType type;
    std::string help;
    std::map<std::string, Entry> series;  // by canonical labels
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace trellis::core
