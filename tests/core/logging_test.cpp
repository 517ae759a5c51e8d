// SPDX-License-Identifier: Apache-2.0
// Logging: JSON lines are one valid object per record with ts, level, logger
// and msg (whatever bytes the message holds); set_level reaches loggers made
// before it; sanitize keeps plugin text on one line.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include "core/logging.hpp"

namespace logging = trellis::core::logging;

TEST_CASE("json log lines", "[log]") {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  logging::setup_with_sink(sink, "info", trellis::core::LogFormat::json);
  auto log = logging::make_logger("signal");
  log->info("hello \"world\"\nsecond line");
  log->warn("bad utf-8: \xff\xfe");
  log->debug("hidden at info");
  logging::set_level("debug");
  log->debug("shown at debug");
  std::istringstream lines(out.str());
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(lines, line);) records.push_back(nlohmann::json::parse(line));
  REQUIRE(records.size() == 3);
  CHECK(records[0]["level"] == "info");
  CHECK(records[0]["logger"] == "signal");
  CHECK(records[0]["msg"] == "hello \"world\"\nsecond line");
  CHECK(std::regex_match(records[0]["ts"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(records[1]["level"] == "warn");
  CHECK(records[2]["msg"] == "shown at debug");
  CHECK(records[0].size() == 4);
}

TEST_CASE("sanitize", "[log]") {
  CHECK(logging::sanitize("a\nb\r\tc\x01") == "a\\nb\\r\\tc\\x01");
  CHECK(logging::sanitize(std::string(10, 'x'), 4) == "xxxx...");
  CHECK(logging::sanitize("plain") == "plain");
}
