// SPDX-License-Identifier: Apache-2.0
// Prometheus text format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/):
// per family one "# HELP" line (\\ and \n escaped), one "# TYPE" line, then
// `name{labels} value` lines. Label values escape \\, \" and \n.
#include "core/metrics.hpp"

#include <cmath>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace trellis::core {
namespace {

bool label_name_ok(std::string_view n) {
  if (n.empty() || n.rfind("__", 0) == 0) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!(alpha || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string escape_help(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_label_value(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

bool Metrics::valid_name(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::optional<std::vector<Label>> Metrics::parse_labels(std::string_view text) {
  std::vector<Label> out;
  std::set<std::string> seen;
  size_t i = 0;
  while (i < text.size()) {
    size_t eq = text.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name(text.substr(i, eq - i));
    if (!label_name_ok(name) || !seen.insert(name).second) return std::nullopt;
    i = eq + 1;
    if (i >= text.size() || text[i] != '"') return std::nullopt;
    ++i;
    std::string value;
    bool closed = false;
    while (i < text.size()) {
      char c = text[i++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\n') return std::nullopt;
      if (c == '\\') {
        if (i >= text.size()) return std::nullopt;
        char e = text[i++];
        if (e == '\\') value += '\\';
        else if (e == '"') value += '"';
        else if (e == 'n') value += '\n';
        else return std::nullopt;
      } else {
        value += c;
      }
    }
    if (!closed) return std::nullopt;
    out.emplace_back(std::move(name), std::move(value));
    if (i == text.size()) break;
    if (text[i] != ',' || i + 1 == text.size()) return std::nullopt;
    ++i;
  }
  return out;
}

std::string Metrics::format_labels(const std::vector<Label> &labels) {
  std::string out;
  for (const auto &[k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k;
    out += "=\"";
    out += escape_label_value(v);
    out += '"';
  }
  return out;
}

std::string Metrics::format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::shared_ptr<MetricSeries> Metrics::add(MetricType type, std::string_view name,
                                           std::string_view help, std::string_view labels) {
  if (!valid_name(name)) throw std::invalid_argument(fmt::format("bad metric name '{}'", name));
  auto parsed = parse_labels(labels);
  if (!parsed) throw std::invalid_argument(fmt::format("bad metric labels '{}'", labels));
  std::string family = std::string(kPrefix) + std::string(name);
  std::string key = format_labels(*parsed);

  std::lock_guard lock(mu_);
  auto [fit, created] = families_.try_emplace(family, Family{type, std::string(help), {}});
  if (!created && fit->second.type != type) {
    throw std::invalid_argument(fmt::format("metric '{}' already registered as a {}", family,
                                            fit->second.type == MetricType::counter ? "counter"
                                                                                    : "gauge"));
  }
  Entry &e = fit->second.series[key];
  if (!e.series) e.series = std::make_shared<MetricSeries>(type, family, key);
  ++e.refs;
  return e.series;
}

void Metrics::remove(const std::shared_ptr<MetricSeries> &series) {
  if (!series) return;
  std::lock_guard lock(mu_);
  auto fit = families_.find(series->family());
  if (fit == families_.end()) return;
  auto sit = fit->second.series.find(series->labels());
  if (sit == fit->second.series.end() || sit->second.series != series) return;
  if (--sit->second.refs > 0) return;
  fit->second.series.erase(sit);
  if (fit->second.series.empty()) families_.erase(fit);
}

size_t Metrics::size() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto &[name, f] : families_) n += f.series.size();
  return n;
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto &[name, f] : families_) {
    out += fmt::format("# HELP {} {}\n", name, escape_help(f.help));
    out += fmt::format("# TYPE {} {}\n", name, f.type == MetricType::counter ? "counter" : "gauge");
    for (const auto &[labels, e] : f.series) {
      out += name;
      if (!labels.empty()) out += '{' + labels + '}';
      out += ' ';
      if (f.type == MetricType::counter) out += fmt::format("{}", e.series->counter_value());
      else out += format_value(e.series->gauge_value());
      out += '\n';
    }
  }
  return out;
}

}  // namespace trellis::core
