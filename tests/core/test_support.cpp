// SPDX-License-Identifier: Apache-2.0
// See test_support.hpp.
#include "test_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "core/logging.hpp"

extern char **environ;

namespace trellis::test {

void CaptureSink::sink_it_(const spdlog::details::log_msg &msg) {
  lines_.push_back("[" + std::string(msg.logger_name.data(), msg.logger_name.size()) + "] " +
                   std::string(msg.payload.data(), msg.payload.size()));
}

std::vector<std::string> CaptureSink::lines() {
  std::lock_guard lock(mutex_);
  return lines_;
}

bool CaptureSink::contains(const std::string &needle) { return count(needle) > 0; }

size_t CaptureSink::count(const std::string &needle) {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(std::count_if(lines_.begin(), lines_.end(), [&](const std::string &l) {
    return l.find(needle) != std::string::npos;
  }));
}

void CaptureSink::clear() {
  std::lock_guard lock(mutex_);
  lines_.clear();
}

std::shared_ptr<CaptureSink> capture_logs() {
  auto sink = std::make_shared<CaptureSink>();
  core::logging::setup_with_sink(sink, "debug", core::LogFormat::text);
  return sink;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "trellis-core-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string &name, const std::string &content) const {
  std::filesystem::path p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

bool run_until(boost::asio::io_context &io, const std::function<bool()> &pred,
               std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return pred();
}

std::filesystem::path fixtures_dir() { return TRELLIS_FIXTURES_DIR; }
std::string fixture(const std::string &file) { return (fixtures_dir() / file).string(); }
std::string source_file(const std::string &relative) {
  return (std::filesystem::path(TRELLIS_TEST_SOURCE_DIR) / relative).string();
}

ProcessResult run_process(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                          const std::vector<std::string> &extra_env) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<char *> args;
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char **e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
  for (const auto &e : extra_env) env_store.push_back(e);
  std::vector<char *> env;
  for (auto &e : env_store) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  }
  ProcessResult r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string *bufs[2] = {&r.out, &r.err};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    int n = poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[4096];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        bufs[i]->append(buf, static_cast<size_t>(got));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto &f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = killed ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return r;
}

}  // namespace trellis::test
