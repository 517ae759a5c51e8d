// SPDX-License-Identifier: Apache-2.0
// The host services of trellis_host_api, called through the C table exactly as
// a plugin would: post, timers, work, metrics, kv, log; then the teardown
// guarantee — after close() nothing scheduled through the context runs.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/host_ctx.hpp"
#include "core/logging.hpp"
#include "test_support.hpp"

namespace core = trellis::core;
using namespace std::chrono_literals;

namespace {

struct Env {
  std::shared_ptr<trellis::test::CaptureSink> logs = trellis::test::capture_logs();
  trellis::test::TempDir dir;
  boost::asio::io_context io;
  boost::asio::thread_pool pool{1};  // one thread: queued work stays queued behind running work
  core::Metrics metrics;
  core::FileKvBackend kv{dir.path() / "kv"};
  const trellis_host_api *api = core::host_api();

  std::shared_ptr<core::HostCtx> make_ctx(const std::string &name = "auth:test/one") {
    return std::make_shared<core::HostCtx>(
        core::HostServices{io, pool, metrics, &kv, dir.path().string()},
        core::logging::make_logger(name), "auth/test/one",
        std::vector<core::Label>{{"plugin", "test"}, {"instance", "one"}});
  }
  ~Env() { pool.join(); }
};

struct Recorder {
  std::vector<std::string> events;
  std::thread::id loop_thread = std::this_thread::get_id();
  bool off_loop = false;
  void add(const std::string &e) { events.push_back(e); }
};

template <int N>
void record(void *user) {
  static_cast<Recorder *>(user)->add("cb" + std::to_string(N));
}

}  // namespace

TEST_CASE("host api table", "[host]") {
  const trellis_host_api *api = core::host_api();
  CHECK(api->struct_size == sizeof(trellis_host_api));
  CHECK(api->abi_major == TRELLIS_ABI_MAJOR);
  CHECK(api->abi_minor == TRELLIS_ABI_MINOR);
  CHECK(std::string(api->host_version) == TRELLIS_VERSION);
  void *p = api->alloc(16);
  REQUIRE(p != nullptr);
  api->free(p);
  uint64_t a = api->now_ns(nullptr);
  uint64_t b = api->now_ns(nullptr);
  CHECK(b >= a);
}

TEST_CASE("posts run on the loop in order", "[host]") {
  Env env;
  auto ctx = env.make_ctx();
  Recorder rec;
  CHECK(env.api->post(ctx->abi(), record<1>, &rec) == TRELLIS_OK);
  CHECK(env.api->post(ctx->abi(), record<2>, &rec) == TRELLIS_OK);
  CHECK(env.api->post(ctx->abi(), record<3>, &rec) == TRELLIS_OK);
  CHECK(env.api->post(ctx->abi(), nullptr, &rec) == TRELLIS_E_INVALID);
  CHECK(rec.events.empty());  // nothing runs inline
  REQUIRE(trellis::test::run_until(env.io, [&] { return rec.events.size() == 3; }));
  CHECK(rec.events == std::vector<std::string>{"cb1", "cb2", "cb3"});
}

TEST_CASE("posts from other threads are accepted", "[host]") {
  Env env;
  auto ctx = env.make_ctx();
  std::atomic<int> count{0};
  auto inc = [](void *u) { ++*static_cast<std::atomic<int> *>(u); };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) env.api->post(ctx->abi(), inc, &count);
    });
  for (auto &t : threads) t.join();
  REQUIRE(trellis::test::run_until(env.io, [&] { return count.load() == 400; }));
}

TEST_CASE("timers fire in deadline order; re-arm, cancel and free", "[host]") {
  Env env;
  auto ctx = env.make_ctx();
  Recorder rec;
  trellis_timer *late = env.api->timer_new(ctx->abi(), record<1>, &rec);
  trellis_timer *early = env.api->timer_new(ctx->abi(), record<2>, &rec);
  trellis_timer *cancelled = env.api->timer_new(ctx->abi(), record<3>, &rec);
  trellis_timer *freed = env.api->timer_new(ctx->abi(), record<4>, &rec);
  trellis_timer *rearmed = env.api->timer_new(ctx->abi(), record<5>, &rec);
  REQUIRE((late && early && cancelled && freed && rearmed));
  CHECK(env.api->timer_new(ctx->abi(), nullptr, &rec) == nullptr);
  env.api->timer_arm(late, 60'000'000);
  env.api->timer_arm(early, 10'000'000);
  env.api->timer_arm(cancelled, 20'000'000);
  env.api->timer_arm(freed, 20'000'000);
  env.api->timer_arm(rearmed, 5'000'000);
  env.api->timer_arm(rearmed, 40'000'000);  // replaces the 5 ms deadline
  env.api->timer_cancel(cancelled);
  env.api->timer_cancel(cancelled);  // idempotent
  env.api->timer_free(freed);
  REQUIRE(trellis::test::run_until(env.io, [&] { return rec.events.size() >= 3; }));
  env.io.restart();
  env.io.run_for(80ms);  // anything else would show up now
  CHECK(rec.events == std::vector<std::string>{"cb2", "cb5", "cb1"});
  CHECK(ctx->timer_count() == 4);
  // A cancelled timer can be armed again.
  env.api->timer_arm(cancelled, 1'000'000);
  REQUIRE(trellis::test::run_until(env.io, [&] { return rec.events.size() == 4; }));
  CHECK(rec.events.back() == "cb3");
  env.api->timer_free(late);
  env.api->timer_free(early);
  CHECK(ctx->timer_count() == 2);
}

TEST_CASE("a timer cancelled after its completion was queued does not run", "[host]") {
  Env env;
  auto ctx = env.make_ctx();
  Recorder rec;
  trellis_timer *t = env.api->timer_new(ctx->abi(), record<1>, &rec);
  env.api->timer_arm(t, 1'000'000);
  std::this_thread::sleep_for(10ms);  // expired: the completion is ready to queue
  // Cancel from a handler that runs before the timer's completion handler.
  struct Ctx {
    const trellis_host_api *api;
    trellis_timer *t;
  } c{env.api, t};
  env.api->post(ctx->abi(), [](void *u) {
    auto *c = static_cast<Ctx *>(u);
    c->api->timer_cancel(c->t);
  }, &c);
  env.io.run_for(30ms);
  CHECK(rec.events.empty());
}

TEST_CASE("work runs on the pool, done on the loop", "[host]") {
  Env env;
  auto ctx = env.make_ctx();
  struct State {
    std::thread::id loop = std::this_thread::get_id();
    std::atomic<bool> work_on_pool{false};
    std::atomic<int> done_status{1};
    std::atomic<bool> done_on_loop{false};
  } s;
  auto work = [](void *u) -> trellis_status {
    auto *s = static_cast<State *>(u);
    s->work_on_pool = std::this_thread::get_id() != s->loop;
    return TRELLIS_E_NOT_FOUND;
  };
  auto done = [](void *u, trellis_status st) {
    auto *s = static_cast<State *>(u);
    s->done_on_loop = std::this_thread::get_id() == s->loop;
    s->done_status = st;
  };
  CHECK(env.api->submit_work(ctx->abi(), work, done, &s) == TRELLIS_OK);
  CHECK(env.api->submit_work(ctx->abi(), nullptr, done, &s) == TRELLIS_E_INVALID);
  REQUIRE(trellis::test::run_until(env.io, [&] { return s.done_status.load() != 1; }));
  CHECK(s.work_on_pool);
  CHECK(s.done_on_loop);
  CHECK(s.done_status == TRELLIS_E_NOT_FOUND);
}

TEST_CASE("close: nothing scheduled runs afterwards, running work is waited for", "[host][teardown]") {
  Env env;
  auto ctx = env.make_ctx();
  struct State {
    std::atomic<int> fired{0};
    std::atomic<bool> work_started{false};
    std::atomic<bool> work_finished{false};
    std::atomic<bool> done_called{false};
  } s;
  auto fire = [](void *u) { ++static_cast<State *>(u)->fired; };
  auto slow = [](void *u) -> trellis_status {
    auto *s = static_cast<State *>(u);
    s->work_started = true;
    std::this_thread::sleep_for(200ms);
    s->work_finished = true;
    return TRELLIS_OK;
  };
  auto queued_work = [](void *u) -> trellis_status {
    ++static_cast<State *>(u)->fired;
    return TRELLIS_OK;
  };
  auto done = [](void *u, trellis_status) { static_cast<State *>(u)->done_called = true; };
  trellis_timer *t = env.api->timer_new(ctx->abi(), fire, &s);
  env.api->timer_arm(t, 1'000'000);
  REQUIRE(env.api->post(ctx->abi(), fire, &s) == TRELLIS_OK);
  REQUIRE(env.api->submit_work(ctx->abi(), slow, done, &s) == TRELLIS_OK);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!s.work_started && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  REQUIRE(s.work_started);
  // The pool's only thread runs `slow`: this one stays queued behind it.
  REQUIRE(env.api->submit_work(ctx->abi(), queued_work, done, &s) == TRELLIS_OK);

  ctx->close();
  CHECK(s.work_finished);  // close waited for the running work
  CHECK(ctx->state() == core::HostCtx::State::closing);
  CHECK(env.api->post(ctx->abi(), fire, &s) == TRELLIS_E_CLOSED);
  CHECK(env.api->submit_work(ctx->abi(), slow, done, &s) == TRELLIS_E_CLOSED);
  CHECK(env.api->timer_new(ctx->abi(), fire, &s) == nullptr);
  env.api->timer_arm(t, 1'000'000);  // ignored once closing
  env.io.restart();
  env.io.run_for(100ms);
  env.pool.wait();
  env.io.restart();
  env.io.run_for(20ms);
  CHECK(s.fired == 0);
  CHECK_FALSE(s.done_called);
  ctx->release();
  CHECK(ctx->state() == core::HostCtx::State::closed);
  CHECK(ctx->timer_count() == 0);
}

TEST_CASE("close from inside one of the context's own callbacks does not deadlock", "[host][teardown]") {
  Env env;
  auto ctx = env.make_ctx();
  struct State {
    core::HostCtx *ctx;
    bool closed = false;
  } s{ctx.get()};
  env.api->post(ctx->abi(), [](void *u) {
    auto *s = static_cast<State *>(u);
    s->ctx->close();
    s->closed = true;
  }, &s);
  REQUIRE(trellis::test::run_until(env.io, [&] { return s.closed; }, 2s));
}

TEST_CASE("plugin metrics carry the host labels and leave with the context", "[host][metrics]") {
  Env env;
  auto ctx = env.make_ctx();
  trellis_metric *c = env.api->metric_new(ctx->abi(), TRELLIS_METRIC_COUNTER, "fx_total", "Help.",
                                          "kind=\"a\"");
  trellis_metric *g = env.api->metric_new(ctx->abi(), TRELLIS_METRIC_GAUGE, "fx_level", "Help.", nullptr);
  REQUIRE(c != nullptr);
  REQUIRE(g != nullptr);
  CHECK(env.api->metric_new(ctx->abi(), TRELLIS_METRIC_COUNTER, "Bad", "h", nullptr) == nullptr);
  CHECK(env.api->metric_new(ctx->abi(), TRELLIS_METRIC_COUNTER, "x", "h", "plugin=\"spoof\"") == nullptr);
  CHECK(env.api->metric_new(ctx->abi(), TRELLIS_METRIC_COUNTER, "x", "h", "broken") == nullptr);
  CHECK(env.api->metric_new(ctx->abi(), static_cast<trellis_metric_type>(9), "x", "h", nullptr) == nullptr);
  env.api->counter_add(c, 4);
  env.api->gauge_set(g, 0.5);
  env.api->gauge_set(c, 99);  // wrong type: ignored
  std::string text = env.metrics.render();
  CHECK_THAT(text, Catch::Contains("trellis_fx_total{plugin=\"test\",instance=\"one\",kind=\"a\"} 4\n"));
  CHECK_THAT(text, Catch::Contains("trellis_fx_level{plugin=\"test\",instance=\"one\"} 0.5\n"));
  ctx->close();
  ctx->release();
  CHECK(env.metrics.render().find("trellis_fx_") == std::string::npos);
}

TEST_CASE("kv through the host api: revisions, conflicts, pool-only", "[host][kv]") {
  Env env;
  auto ctx = env.make_ctx();
  uint64_t rev = 0;
  char *err = nullptr;
  REQUIRE(env.api->kv_put(ctx->abi(), "peers", "p1", "{\"a\":1}", TRELLIS_REV_NONE, &rev, &err) == TRELLIS_OK);
  CHECK(rev == 1);
  CHECK(env.api->kv_put(ctx->abi(), "peers", "p1", "{\"a\":2}", TRELLIS_REV_NONE, &rev, &err) ==
        TRELLIS_E_CONFLICT);
  REQUIRE(err != nullptr);
  CHECK(std::string(err) == "record already exists");
  env.api->free(err);
  err = nullptr;
  CHECK(env.api->kv_put(ctx->abi(), "peers", "p1", "{\"a\":2}", 1, &rev, &err) == TRELLIS_OK);
  CHECK(rev == 2);
  char *value = nullptr;
  uint64_t got = 0;
  REQUIRE(env.api->kv_get(ctx->abi(), "peers", "p1", &value, &got, &err) == TRELLIS_OK);
  CHECK(std::string(value) == "{\"a\":2}");
  CHECK(got == 2);
  env.api->free(value);
  CHECK(env.api->kv_get(ctx->abi(), "peers", "nope", &value, &got, &err) == TRELLIS_E_NOT_FOUND);
  env.api->free(err);
  err = nullptr;
  CHECK(env.api->kv_put(ctx->abi(), "peers", "p2", "{not json", TRELLIS_REV_ANY, &rev, nullptr) ==
        TRELLIS_E_INVALID);
  CHECK(env.api->kv_put(ctx->abi(), "../escape", "p2", "{}", TRELLIS_REV_ANY, &rev, nullptr) ==
        TRELLIS_E_INVALID);
  // From the loop thread kv is refused: it blocks.
  struct S {
    const trellis_host_api *api;
    trellis_host_ctx *ctx;
    trellis_status st = 0;
    std::string error;
  } s{env.api, ctx->abi(), 0, {}};
  env.api->post(ctx->abi(), [](void *u) {
    auto *s = static_cast<S *>(u);
    char *v = nullptr;
    char *e = nullptr;
    s->st = s->api->kv_get(s->ctx, "peers", "p1", &v, nullptr, &e);
    if (e != nullptr) s->error = e;
    s->api->free(e);
    s->api->free(v);
  }, &s);
  REQUIRE(trellis::test::run_until(env.io, [&] { return s.st != 0; }));
  CHECK(s.st == TRELLIS_E_INVALID);
  CHECK_THAT(s.error, Catch::Contains("not the loop"));
}

TEST_CASE("plugin log lines are tagged and made single-line", "[host][log]") {
  Env env;
  auto ctx = env.make_ctx("auth:test/one");
  env.api->log(ctx->abi(), TRELLIS_LOG_WARN, "two\nlines\x01");
  env.api->log(ctx->abi(), TRELLIS_LOG_INFO, nullptr);
  CHECK(env.logs->contains("[auth:test/one] two\\nlines\\x01"));
  CHECK(env.logs->lines().size() == 1);
}
