// SPDX-License-Identifier: Apache-2.0
// Logging: spdlog to stderr, as text or as JSON lines (one object per line:
// {"ts":"2024-05-01T12:00:00.123Z","level":"info","logger":"signal","msg":"..."}).
// Every logger the host hands out (roles, plugin contexts) comes from
// make_logger(), shares the same sinks and follows set_level() — also loggers
// that are not in spdlog's registry.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include "core/config.hpp"

namespace trellis::core::logging {

// Replaces the sinks with one stderr sink in the given format and level, and
// makes a "trellis" logger the default. Loop thread, or before the loop runs.
void setup(const std::string &level, LogFormat format);
// The same with a caller-supplied sink (tests capture log lines with it).
void setup_with_sink(spdlog::sink_ptr sink, const std::string &level, LogFormat format);
// Changes the level of every logger made by make_logger() (SIGHUP).
void set_level(const std::string &level);

// A logger named `name` on the current sinks, at the current level.
std::shared_ptr<spdlog::logger> make_logger(const std::string &name);

// "trace".."error" -> spdlog level; unknown names -> info.
spdlog::level::level_enum parse_level(std::string_view level);

// Text from a plugin made safe for one log line: control characters escaped
// (\n, \r, \t, \xNN) and cut to max_bytes.
std::string sanitize(std::string_view text, size_t max_bytes = 4096);

}  // namespace trellis::core::logging
