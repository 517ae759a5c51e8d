// SPDX-License-Identifier: Apache-2.0
// See metrics_server.hpp. Each connection is a Session reading one request at a
// time; the response is rendered from the registry when the request arrives.
#include "core/metrics_server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace trellis::core {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

class MetricsServer::Session : public std::enable_shared_from_this<MetricsServer::Session> {
 public:
  Session(tcp::socket socket, Metrics &metrics) : stream_(std::move(socket)), metrics_(metrics) {}

  void start() { read(); }
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(1024);
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      close();
      return;
    }
    const auto &req = parser_->get();
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->set(http::field::server, "trellis");
    res->keep_alive(req.keep_alive());
    std::string_view target(req.target().data(), req.target().size());
    if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    if (target != "/metrics") {
      res->result(http::status::not_found);
      res->set(http::field::content_type, "text/plain; charset=utf-8");
      res->body() = "not found\n";
    } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res->result(http::status::method_not_allowed);
      res->set(http::field::allow, "GET, HEAD");
      res->set(http::field::content_type, "text/plain; charset=utf-8");
      res->body() = "method not allowed\n";
    } else {
      res->result(http::status::ok);
      res->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res->body() = metrics_.render();
    }
    res->prepare_payload();
    if (req.method() == http::verb::head) res->body().clear();
    stream_.expires_after(std::chrono::seconds(10));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec || !res->keep_alive()) {
        self->close();
        return;
      }
      self->read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Metrics &metrics_;
};

MetricsServer::MetricsServer(boost::asio::io_context &io, Metrics &metrics,
                             std::shared_ptr<spdlog::logger> log)
    : io_(io), metrics_(metrics), log_(std::move(log)), acceptor_(io), retry_(io) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start(const ListenAddress &where) {
  tcp::endpoint ep(boost::asio::ip::make_address(where.address), where.port);
  beast::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    throw std::runtime_error("metrics: cannot listen on " + where.address + ":" +
                             std::to_string(where.port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  stopped_ = false;
  log_->info("metrics: serving /metrics on {}:{}", where.address, port_);
  accept();
}

void MetricsServer::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || stopped_) return;
    if (!ec) {
      sessions_.remove_if([](const auto &w) { return w.expired(); });
      if (sessions_.size() >= kMaxSessions) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        auto s = std::make_shared<Session>(std::move(socket), metrics_);
        sessions_.push_back(s);
        s->start();
      }
    } else {
      log_->warn("metrics: accept failed: {}; retrying in 100 ms", ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && !stopped_) accept();
      });
      return;
    }
    accept();
  });
}

void MetricsServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  beast::error_code ec;
  acceptor_.close(ec);
  retry_.cancel();
  for (auto &w : sessions_)
    if (auto s = w.lock()) s->close();
  sessions_.clear();
}

}  // namespace trellis::core
