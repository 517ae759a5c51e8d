// SPDX-License-Identifier: Apache-2.0
// See logging.hpp. The JSON formatter writes one object per record; the message
// is escaped by nlohmann::json, invalid UTF-8 replaced, so a line is always
// valid JSON whatever a plugin logs.
#include "core/logging.hpp"

#include <ctime>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace trellis::core::logging {
namespace {

struct State {
  std::mutex mu;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::info;
  std::vector<std::weak_ptr<spdlog::logger>> loggers;
};

State &state() {
  static State s;
  return s;
}

const char *level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg &msg, spdlog::memory_buf_t &dest) override {
    using namespace std::chrono;
    const auto since = msg.time.time_since_epoch();
    const auto secs = duration_cast<seconds>(since);
    const auto ms = duration_cast<milliseconds>(since - secs).count();
    std::time_t t = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    nlohmann::json line = {
        {"ts", ts},
        {"level", level_name(msg.level)},
        {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
        {"msg", std::string(msg.payload.data(), msg.payload.size())},
    };
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(LogFormat format) {
  if (format == LogFormat::json) return std::make_unique<JsonFormatter>();
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
}

}  // namespace

spdlog::level::level_enum parse_level(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  return spdlog::level::info;
}

void setup_with_sink(spdlog::sink_ptr sink, const std::string &level, LogFormat format) {
  sink->set_formatter(make_formatter(format));
  State &s = state();
  {
    std::lock_guard lock(s.mu);
    s.sinks = {std::move(sink)};
    s.level = parse_level(level);
    s.loggers.clear();
  }
  auto def = make_logger("trellis");
  spdlog::set_default_logger(def);
}

void setup(const std::string &level, LogFormat format) {
  spdlog::sink_ptr sink;
  if (format == LogFormat::json) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  }
  setup_with_sink(std::move(sink), level, format);
}

void set_level(const std::string &level) {
  State &s = state();
  std::lock_guard lock(s.mu);
  s.level = parse_level(level);
  std::vector<std::weak_ptr<spdlog::logger>> alive;
  for (auto &w : s.loggers) {
    if (auto l = w.lock()) {
      l->set_level(s.level);
      alive.push_back(w);
    }
  }
  s.loggers = std::move(alive);
}

std::shared_ptr<spdlog::logger> make_logger(const std::string &name) {
  State &s = state();
  std::lock_guard lock(s.mu);
  if (s.sinks.empty()) {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    sink->set_formatter(make_formatter(LogFormat::text));
    s.sinks.push_back(sink);
  }
  auto logger = std::make_shared<spdlog::logger>(name, s.sinks.begin(), s.sinks.end());
  logger->set_level(s.level);
  logger->flush_on(spdlog::level::warn);
  // Prune dead entries now and then so the list stays proportional to the live loggers.
  if (s.loggers.size() >= 64 && s.loggers.size() % 64 == 0) {
    std::erase_if(s.loggers, [](const auto &w) { return w.expired(); });
  }
  s.loggers.push_back(logger);
  return logger;
}

std::string sanitize(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  for (char ch : text) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(ch);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += ch;
  }
  return out;
}

}  // namespace trellis::core::logging
