// SPDX-License-Identifier: Apache-2.0
// Metrics: registry rules, the Prometheus text format 0.0.4 byte for byte, and
// the HTTP listener (GET/HEAD /metrics, 404, 405) over loopback.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/logging.hpp"
#include "core/metrics.hpp"
#include "core/metrics_server.hpp"
#include "test_support.hpp"

namespace core = trellis::core;
namespace http = boost::beast::http;

TEST_CASE("metrics exposition format", "[metrics]") {
  core::Metrics m;
  auto c = m.counter("requests_total", "Requests handled.", "method=\"get\",code=\"200\"");
  auto c2 = m.counter("requests_total", "Requests handled.", "method=\"post\",code=\"500\"");
  auto g = m.gauge("temperature", "A gauge with \\ and\nnewline in help.");
  auto q = m.gauge("quoted", "Label escaping.", "path=\"a\\\"b\\\\c\\nd\"");
  c->add(3);
  c->add(2);
  c2->add(1);
  g->set(-1.25);
  q->set(std::numeric_limits<double>::infinity());
  CHECK(m.render() ==
        "# HELP trellis_quoted Label escaping.\n"
        "# TYPE trellis_quoted gauge\n"
        "trellis_quoted{path=\"a\\\"b\\\\c\\nd\"} +Inf\n"
        "# HELP trellis_requests_total Requests handled.\n"
        "# TYPE trellis_requests_total counter\n"
        "trellis_requests_total{method=\"get\",code=\"200\"} 5\n"
        "trellis_requests_total{method=\"post\",code=\"500\"} 1\n"
        "# HELP trellis_temperature A gauge with \\\\ and\\nnewline in help.\n"
        "# TYPE trellis_temperature gauge\n"
        "trellis_temperature -1.25\n");
}

TEST_CASE("metric values", "[metrics]") {
  CHECK(core::Metrics::format_value(0) == "0");
  CHECK(core::Metrics::format_value(1e21) == "1e+21");
  CHECK(core::Metrics::format_value(std::nan("")) == "NaN");
  CHECK(core::Metrics::format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  core::Metrics m;
  auto g = m.gauge("level", "x");
  g->add_gauge(2.5);
  g->add_gauge(-1);
  CHECK(g->gauge_value() == 1.5);
}

TEST_CASE("metric names, labels and registration rules", "[metrics]") {
  core::Metrics m;
  CHECK_THROWS_AS(m.counter("Bad", "x"), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("9lives", "x"), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("a-b", "x"), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("ok", "x", "k=v"), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("ok", "x", "k=\"v\","), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("ok", "x", "k=\"v\",k=\"w\""), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("ok", "x", "__k=\"v\""), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("ok", "x", "k=\"\\q\""), std::invalid_argument);
  auto a = m.counter("shared_total", "x", "k=\"v\"");
  auto b = m.counter("shared_total", "x", "k=\"v\"");
  CHECK(a == b);  // same series, reference counted
  CHECK_THROWS_AS(m.gauge("shared_total", "x"), std::invalid_argument);
  CHECK(m.size() == 1);
  m.remove(a);
  CHECK(m.size() == 1);
  m.remove(b);
  CHECK(m.size() == 0);
  CHECK(m.render().empty());
  auto parsed = core::Metrics::parse_labels("a=\"1\",b=\"x,y=\\\"z\\\"\"");
  REQUIRE(parsed);
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[1].second == "x,y=\"z\"");
}

namespace {

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

HttpReply fetch(uint16_t port, http::verb verb, const std::string &target) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sock(io);
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> req(verb, target, 11);
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  http::write(sock, req);
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.skip(verb == http::verb::head);
  http::read(sock, buf, parser);
  auto res = parser.release();
  return {static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), res.body()};
}

}  // namespace

TEST_CASE("metrics listener serves /metrics over HTTP", "[metrics][http]") {
  auto logs = trellis::test::capture_logs();
  boost::asio::io_context io;
  core::Metrics metrics;
  metrics.counter("hits_total", "Hits.")->add(7);
  core::MetricsServer server(io, metrics, core::logging::make_logger("metrics"));
  server.start({"127.0.0.1", 0});
  REQUIRE(server.port() != 0);

  std::atomic<bool> done{false};
  HttpReply ok, head, missing, post;
  std::string client_error;
  std::thread client([&] {
    try {
      ok = fetch(server.port(), http::verb::get, "/metrics");
      head = fetch(server.port(), http::verb::head, "/metrics");
      missing = fetch(server.port(), http::verb::get, "/other");
      post = fetch(server.port(), http::verb::post, "/metrics");
    } catch (const std::exception &e) {
      client_error = e.what();
    }
    done = true;
  });
  bool finished = trellis::test::run_until(io, [&] { return done.load(); });
  client.join();
  server.stop();
  REQUIRE(finished);
  REQUIRE(client_error.empty());
  CHECK(ok.status == 200);
  CHECK(ok.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(ok.body == "# HELP trellis_hits_total Hits.\n# TYPE trellis_hits_total counter\ntrellis_hits_total 7\n");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(missing.status == 404);
  CHECK(post.status == 405);
  CHECK(logs->contains("serving /metrics on 127.0.0.1:"));
}

TEST_CASE("metrics listener reports a busy port", "[metrics][http]") {
  trellis::test::capture_logs();
  boost::asio::io_context io;
  core::Metrics metrics;
  core::MetricsServer first(io, metrics, core::logging::make_logger("metrics"));
  first.start({"127.0.0.1", 0});
  core::MetricsServer second(io, metrics, core::logging::make_logger("metrics"));
  CHECK_THROWS_WITH(second.start({"127.0.0.1", first.port()}),
                    Catch::Contains("metrics: cannot listen on 127.0.0.1:") &&
                        Catch::Contains("in use"));
}
