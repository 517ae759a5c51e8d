// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the core tests: a log sink that keeps every line, a
// self-deleting temporary directory, a bounded "run the loop until" and the
// paths the build passes in (fixtures, sources, the trellis binary).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/sinks/base_sink.h>

namespace trellis::test {

// Records "[logger] message" for every log record.
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines();
  bool contains(const std::string &needle);
  size_t count(const std::string &needle);
  void clear();

 protected:
  void sink_it_(const spdlog::details::log_msg &msg) override;
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

// Routes all host logging (at debug level) into a fresh CaptureSink.
std::shared_ptr<CaptureSink> capture_logs();

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }
  // Writes a file under the directory and returns its path.
  std::filesystem::path write(const std::string &name, const std::string &content) const;

 private:
  std::filesystem::path path_;
};

// Runs io in slices until pred() is true or `limit` passes; returns pred().
bool run_until(boost::asio::io_context &io, const std::function<bool()> &pred,
               std::chrono::milliseconds limit = std::chrono::seconds(5));

std::string fixture(const std::string &file);  // path in the fixtures-out dir
std::filesystem::path fixtures_dir();
std::string source_file(const std::string &relative);  // under tests/core

// Runs argv (no shell), returns exit status, stdout and stderr. Bounded by
// `timeout`: the child is killed (SIGKILL) when it passes.
struct ProcessResult {
  int status = -1;
  std::string out;
  std::string err;
};
ProcessResult run_process(const std::vector<std::string> &argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20),
                          const std::vector<std::string> &extra_env = {});

}  // namespace trellis::test
