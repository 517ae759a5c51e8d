// SPDX-License-Identifier: Apache-2.0
// The metrics listener: a minimal HTTP/1.1 server (Boost.Beast) on the loop that
// answers GET/HEAD /metrics with the registry in Prometheus text format 0.0.4,
// 404 for other paths and 405 for other methods. Bounded: at most kMaxSessions
// connections, 8 KiB of request head, 10 s per request, keep-alive allowed.
#pragma once

#include <cstdint>
#include <list>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

#include "core/config.hpp"
#include "core/metrics.hpp"

namespace trellis::core {

class MetricsServer {
 public:
  static constexpr size_t kMaxSessions = 32;

  MetricsServer(boost::asio::io_context &io, Metrics &metrics, std::shared_ptr<spdlog::logger> log);
  ~MetricsServer();
  MetricsServer(const MetricsServer &) = delete;
  MetricsServer &operator=(const MetricsServer &) = delete;

  // Binds and starts accepting. Throws std::runtime_error when the address
  // cannot be bound. Port 0 picks one (see port()). Loop thread.
  void start(const ListenAddress &where);
  // Closes the listener and every open connection. Loop thread; idempotent.
  void stop();
  uint16_t port() const { return port_; }

  class Session;

 private:
  void accept();

  boost::asio::io_context &io_;
  Metrics &metrics_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // backs off after accept errors (e.g. EMFILE)
  std::list<std::weak_ptr<Session>> sessions_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace trellis::core
