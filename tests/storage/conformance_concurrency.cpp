// SPDX-License-Identifier: Apache-2.0
// Storage conformance: concurrency, durability and (postgres) server loss.
// Two transactions writing the same revision: one wins, the other conflicts.
// Fifty threads increment one counter with compare-and-swap loops: the final
// count is exact. A child process writing documents is SIGKILLed at a random
// point: every acknowledged document is there, with its event, and nothing is
// half-written. PostgreSQL restarted or stopped under the plugin: open
// transactions fail with TRELLIS_E_UNAVAILABLE, nothing partial survives, and
// calls succeed again once the server is back.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "conformance.hpp"

using namespace trellis::storage_test;
using Clock = std::chrono::steady_clock;

TEST_CASE("concurrency: two writers of one revision cannot both win", "[concurrency]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  REQUIRE_OK(s->put(nullptr, "peers", "a", "x", R"({"v":"seed"})", TRELLIS_REV_NONE));

  // A writes revision 1 and holds its transaction open; B then writes the
  // same stale revision. B must not succeed on top of A, whichever way the
  // backend makes it wait (sqlite: at begin; postgres: on the row lock).
  std::atomic<bool> a_wrote{false};
  Status a_put, a_commit;
  std::thread a([&] {
    Txn t;
    if (!s->begin(t).ok()) return;
    a_put = s->put(&t, "peers", "a", "x", R"({"v":"A"})", 1);
    a_wrote = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    a_commit = t.commit();
  });
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!a_wrote && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(a_wrote);
  Txn t;
  Status b_put, b_commit;
  const Status b_begin = s->begin(t);
  if (b_begin.ok()) {
    b_put = s->put(&t, "peers", "a", "x", R"({"v":"B"})", 1);
    b_commit = b_put.ok() ? t.commit() : Status{};
  }
  a.join();
  INFO("A put " << a_put.code << " commit " << a_commit.code << "; B begin " << b_begin.code
                << " put " << b_put.code << " \"" << b_put.message << "\" commit "
                << b_commit.code);
  REQUIRE(a_put.ok());
  REQUIRE(a_commit.ok());
  REQUIRE(b_begin.ok());
  CHECK(b_put.code == TRELLIS_E_CONFLICT);
  Doc d;
  REQUIRE_OK(s->get(nullptr, "peers", "x", d));
  CHECK(d.revision == 2);
  CHECK(same_json(d.json, R"({"v":"A"})"));
}

TEST_CASE("concurrency: 50 threads incrementing one counter lose no update", "[concurrency]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  REQUIRE_OK(s->put(nullptr, "accounts", "", "counter", R"({"n":0})", TRELLIS_REV_NONE));
  constexpr int kThreads = 50;
  constexpr int kIncrements = 10;
  std::atomic<int> conflicts{0}, unavailable{0}, failures{0};
  std::string first_failure;
  std::mutex failure_mu;
  const auto deadline = Clock::now() + std::chrono::seconds(240);

  auto fail = [&](const std::string &what, const Status &st) {
    std::lock_guard lock(failure_mu);
    if (failures++ == 0) first_failure = what + ": " + std::to_string(st.code) + " " + st.message;
  };
  // One increment: read, add one, write back with the revision read. Even
  // threads do it inside a transaction, odd ones with autocommit calls.
  auto increment = [&](bool in_txn) -> bool {
    for (int attempt = 0; attempt < 100000 && Clock::now() < deadline; ++attempt) {
      Txn t;
      if (in_txn) {
        const Status st = s->begin(t);
        if (st.code == TRELLIS_E_UNAVAILABLE) {
          ++unavailable;
          continue;
        }
        if (!st.ok()) return fail("begin", st), false;
      }
      Doc d;
      Status st = s->get(in_txn ? &t : nullptr, "accounts", "counter", d);
      if (!st.ok()) return fail("get", st), false;
      const int n = nlohmann::json::parse(d.json)["n"].get<int>();
      const std::string next = nlohmann::json({{"n", n + 1}}).dump();
      st = s->put(in_txn ? &t : nullptr, "accounts", "", "counter", next.c_str(), d.revision);
      if (st.ok() && in_txn) st = t.commit();
      if (st.ok()) return true;
      if (st.code == TRELLIS_E_CONFLICT) {
        ++conflicts;
      } else if (st.code == TRELLIS_E_UNAVAILABLE) {
        ++unavailable;
      } else {
        return fail("put/commit", st), false;
      }
    }
    fail("deadline", Status{TRELLIS_E_TIMEOUT, "gave up"});
    return false;
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < kIncrements; ++k) {
        if (!increment(i % 2 == 0)) return;
      }
    });
  }
  const auto start = Clock::now();
  for (std::thread &th : threads) th.join();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  INFO(first_failure);
  REQUIRE(failures == 0);
  Doc d;
  REQUIRE_OK(s->get(nullptr, "accounts", "counter", d));
  CHECK(nlohmann::json::parse(d.json)["n"] == kThreads * kIncrements);
  CHECK(d.revision == static_cast<uint64_t>(kThreads * kIncrements + 1));
  WARN(options().backend << ": " << kThreads * kIncrements << " increments by " << kThreads
                         << " threads in " << ms << " ms; " << conflicts << " conflicts, "
                         << unavailable << " unavailable");
}

// ---------------------------------------------------------------------------
// Durability

namespace trellis::storage_test {

int durability_child(int argc, char **argv) {
  // --durability-child BACKEND PLUGIN CONFIG_JSON STATE_DIR COUNT
  if (argc != 7) return 2;
  options().backend = argv[2];
  options().plugin = argv[3];
  std::unique_ptr<Store> s;
  const Status open = Store::open(plugin(), argv[4], argv[5], s);
  if (!open.ok()) {
    std::fprintf(stderr, "child: open: %s\n", open.message.c_str());
    return 1;
  }
  const int count = std::atoi(argv[6]);
  for (int i = 0; i < count; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "doc-%04d", i);
    const std::string doc = nlohmann::json({{"i", i}, {"pad", std::string(200, 'p')}}).dump();
    const std::string event = nlohmann::json({{"action", "doc.add"}, {"target", id}}).dump();
    Txn t;
    Status st = s->begin(t);
    if (st.ok()) st = s->put(&t, "peers", "durable", id, doc.c_str(), TRELLIS_REV_NONE);
    if (st.ok()) st = s->append_event(&t, "durable", event.c_str());
    if (st.ok()) st = t.commit();
    if (!st.ok()) {
      std::fprintf(stderr, "child: %s: %s\n", id, st.message.c_str());
      return 1;
    }
    std::printf("%s\n", id);  // acknowledged: the commit returned
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace trellis::storage_test

TEST_CASE("durability: acknowledged writes survive SIGKILL of the writer", "[durability]") {
  std::random_device rd;
  const unsigned seed = rd();
  std::mt19937 rng(seed);
  for (int round = 0; round < 2; ++round) {
    Fresh db;
    {
      std::unique_ptr<Store> s;
      REQUIRE_OK(db.open(s));
    }  // created and migrated
    const int kill_after = std::uniform_int_distribution<int>(20, 900)(rng);
    INFO("seed " << seed << " round " << round << ": SIGKILL after " << kill_after << " acks");

    int out[2];
    REQUIRE(pipe(out) == 0);
    const std::string config = db.config().dump();
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execl(options().self.c_str(), options().self.c_str(), "--durability-child",
            options().backend.c_str(), options().plugin.c_str(), config.c_str(),
            db.state_dir().c_str(), "1000", static_cast<char *>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::vector<std::string> acked;
    std::string pending;
    bool killed = false;
    const auto deadline = Clock::now() + std::chrono::seconds(180);
    char buf[4096];
    while (Clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 1000) <= 0) continue;
      const ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      pending.append(buf, static_cast<size_t>(n));
      for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
        acked.push_back(pending.substr(0, nl));
      }
      if (!killed && static_cast<int>(acked.size()) >= kill_after) {
        kill(pid, SIGKILL);  // mid-stream: the child is busy writing the next one
        killed = true;
      }
    }
    if (!killed) kill(pid, SIGKILL);
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(killed);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));

    std::unique_ptr<Store> s;
    REQUIRE_OK(db.open(s));
    std::vector<Doc> docs;
    REQUIRE_OK(s->scan(nullptr, "peers", "durable", nullptr, nullptr, docs));
    std::set<std::string> present;
    for (size_t i = 0; i < docs.size(); ++i) {
      present.insert(docs[i].id);
      char id[32];
      std::snprintf(id, sizeof id, "doc-%04zu", i);
      CHECK(docs[i].id == id);  // sequential writes: a prefix, no holes
      CHECK(nlohmann::json::parse(docs[i].json)["i"] == i);
    }
    for (const std::string &id : acked) {
      INFO("acknowledged " << id);
      CHECK(present.count(id) == 1);
    }
    // At most the one in flight when killed may have committed unacknowledged.
    CHECK(docs.size() >= acked.size());
    CHECK(docs.size() <= acked.size() + 1);
    // Each document committed together with its event, never one without the other.
    std::vector<Event> events;
    REQUIRE_OK(s->page_events("durable", 0, 5000, events));
    REQUIRE(events.size() == docs.size());
    for (size_t i = 0; i < events.size(); ++i) {
      CHECK(nlohmann::json::parse(events[i].json)["target"] == docs[i].id);
    }
    if (!is_postgres()) CHECK(db.query("PRAGMA integrity_check") == "ok");
  }
}

// ---------------------------------------------------------------------------
// PostgreSQL server loss

namespace {

// Brings a paused server back whatever happens in the test.
struct ResumeOnExit {
  bool paused = false;
  ~ResumeOnExit() {
    if (paused) control_postgres("resume");
  }
};

}  // namespace

TEST_CASE("postgres: a restart fails the open transaction and service resumes", "[postgres-only]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s, {{"retry", {{"attempts", 20}, {"backoff_ms", 100}}}}));
  REQUIRE_OK(s->put(nullptr, "peers", "a", "x", R"({"v":0})", TRELLIS_REV_NONE));

  // t1 is used again after the restart; t2 goes straight to commit, whose
  // outcome the plugin must establish through a new session.
  Txn t1, t2;
  REQUIRE_OK(s->begin(t1));
  REQUIRE_OK(s->put(&t1, "peers", "a", "x", R"({"v":1})", 1));
  REQUIRE_OK(s->put(&t1, "peers", "a", "y", R"({"v":1})", TRELLIS_REV_NONE));
  REQUIRE_OK(s->append_event(&t1, "a", R"({"action":"before-restart"})"));
  REQUIRE_OK(s->begin(t2));
  REQUIRE_OK(s->put(&t2, "widgets", "a", "w", "{}", TRELLIS_REV_NONE));
  REQUIRE(control_postgres("restart") == 0);

  const Status later = s->put(&t1, "peers", "a", "z", "{}", TRELLIS_REV_NONE);
  INFO("put after restart: " << later.message);
  CHECK(later.code == TRELLIS_E_UNAVAILABLE);
  const Status commit1 = t1.commit();
  INFO("commit 1: " << commit1.message);
  CHECK(commit1.code == TRELLIS_E_UNAVAILABLE);
  const Status commit2 = t2.commit();
  INFO("commit 2: " << commit2.message);
  CHECK(commit2.code == TRELLIS_E_UNAVAILABLE);

  // Pooled sessions died with the server; calls reconnect by themselves.
  Doc d;
  REQUIRE_OK(s->get(nullptr, "peers", "x", d));
  CHECK(d.revision == 1);
  CHECK(same_json(d.json, R"({"v":0})"));
  REQUIRE_STATUS(s->get(nullptr, "peers", "y", d), TRELLIS_E_NOT_FOUND);
  REQUIRE_STATUS(s->get(nullptr, "widgets", "w", d), TRELLIS_E_NOT_FOUND);
  std::vector<Event> events;
  REQUIRE_OK(s->page_events(nullptr, 0, 10, events));
  CHECK(events.empty());
  REQUIRE_OK(s->put(nullptr, "peers", "a", "x", R"({"v":2})", 1));
  Txn t3;
  REQUIRE_OK(s->begin(t3));
  REQUIRE_OK(s->put(&t3, "peers", "a", "y", "{}", TRELLIS_REV_NONE));
  REQUIRE_OK(t3.commit());
}

TEST_CASE("postgres: calls fail with UNAVAILABLE while the server is down", "[postgres-only]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s, {{"retry", {{"attempts", 3}, {"backoff_ms", 50}}}}));
  REQUIRE_OK(s->put(nullptr, "peers", "a", "x", R"({"v":0})", TRELLIS_REV_NONE));
  Txn t;
  REQUIRE_OK(s->begin(t));
  REQUIRE_OK(s->put(&t, "peers", "a", "x", R"({"v":1})", 1));

  ResumeOnExit guard;
  REQUIRE(control_postgres("pause") == 0);
  guard.paused = true;
  const auto start = Clock::now();
  Doc d;
  std::vector<Doc> docs;
  std::vector<Event> events;
  Txn t2;
  for (const Status &st :
       {s->get(nullptr, "peers", "x", d), s->put(nullptr, "peers", "a", "x", "{}", TRELLIS_REV_ANY),
        s->scan(nullptr, "peers", nullptr, nullptr, nullptr, docs),
        s->append_event(nullptr, "a", "{}"), s->page_events(nullptr, 0, 10, events), s->begin(t2),
        s->put(&t, "peers", "a", "y", "{}", TRELLIS_REV_NONE), t.commit()}) {
    INFO(st.code << " \"" << st.message << "\"");
    CHECK(st.code == TRELLIS_E_UNAVAILABLE);
    CHECK(st.message.find("PostgreSQL") != std::string::npos);
  }
  CHECK(Clock::now() - start < std::chrono::seconds(20));

  REQUIRE(control_postgres("resume") == 0);
  guard.paused = false;
  REQUIRE_OK(s->get(nullptr, "peers", "x", d));
  CHECK(d.revision == 1);
  CHECK(same_json(d.json, R"({"v":0})"));
  REQUIRE_OK(s->put(nullptr, "peers", "a", "x", R"({"v":2})", 1));
}

TEST_CASE("postgres: a session killed inside a transaction is resolved as rolled back",
          "[postgres-only]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s, {{"pool_size", 1}}));
  Txn t;
  REQUIRE_OK(s->begin(t));
  REQUIRE_OK(s->put(&t, "peers", "a", "x", "{}", TRELLIS_REV_NONE));
  const std::string killed = db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'trellis' "
      "AND state = 'idle in transaction'");
  REQUIRE(killed == "t");
  const Status commit = t.commit();
  INFO(commit.message);
  CHECK(commit.code == TRELLIS_E_UNAVAILABLE);
  Doc d;
  REQUIRE_STATUS(s->get(nullptr, "peers", "x", d), TRELLIS_E_NOT_FOUND);
  REQUIRE_OK(s->put(nullptr, "peers", "a", "x", "{}", TRELLIS_REV_NONE));
}
