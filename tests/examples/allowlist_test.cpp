// SPDX-License-Identifier: Apache-2.0
// Black-box tests of the example "allowlist" auth plugin, built out of tree
// against the installed SDK (the example_out_of_tree_build fixture) and loaded
// here with dlopen behind a small fake host: a loop that runs posted tasks when
// the test says so, host-allocated error strings, captured log lines. Covers
// the descriptor, config and file errors, accept/deny, asynchronous delivery,
// cancel, destroy with requests in flight, reload on change (fail closed on a
// bad edit) and that no token ever reaches a log line or a reason.
#include <trellis/plugin.h>

#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

// ---------------------------------------------------------------- fake host

struct trellis_host_ctx_impl {
  bool closing = false;
};

struct Task {
  trellis_host_ctx *ctx;
  trellis_task_fn fn;
  void *user;
};

struct Host {
  std::deque<Task> tasks;
  std::vector<std::string> logs;
  bool refuse_posts = false;
};
Host g_host;

trellis_host_ctx *as_ctx(trellis_host_ctx_impl *c) { return reinterpret_cast<trellis_host_ctx *>(c); }
trellis_host_ctx_impl *as_impl(trellis_host_ctx *c) { return reinterpret_cast<trellis_host_ctx_impl *>(c); }

trellis_host_api make_host_api() {
  trellis_host_api api{};
  api.struct_size = sizeof api;
  api.abi_major = TRELLIS_ABI_MAJOR;
  api.abi_minor = TRELLIS_ABI_MINOR;
  api.host_version = "0.0.0-allowlist-test";
  api.alloc = [](size_t n) { return std::malloc(n); };
  api.free = [](void *p) { std::free(p); };
  api.log = [](trellis_host_ctx *, trellis_log_level, const char *msg) { g_host.logs.emplace_back(msg); };
  api.now_ns = [](trellis_host_ctx *) -> uint64_t { return 0; };
  api.post = [](trellis_host_ctx *ctx, trellis_task_fn fn, void *user) -> trellis_status {
    if (g_host.refuse_posts || as_impl(ctx)->closing) return TRELLIS_E_CLOSED;
    g_host.tasks.push_back({ctx, fn, user});
    return TRELLIS_OK;
  };
  return api;
}

// Runs queued tasks, bounded; returns how many ran.
int run_loop() {
  int ran = 0;
  while (!g_host.tasks.empty() && ran < 10000) {
    const Task t = g_host.tasks.front();
    g_host.tasks.pop_front();
    t.fn(t.user);
    ++ran;
  }
  return ran;
}

// The plugin library, loaded once for the process (never unloaded, as the host does).
struct Library {
  trellis_host_api api = make_host_api();
  trellis_host_ctx_impl lib_ctx;
  const trellis_plugin_descriptor *descriptor = nullptr;
  const trellis_auth_vtable *vt = nullptr;

  Library() {
    const char *path = std::getenv("TRELLIS_ALLOWLIST_PLUGIN");
    if (path == nullptr) FAIL("TRELLIS_ALLOWLIST_PLUGIN is not set (ctest sets it)");
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) FAIL("dlopen " << path << ": " << dlerror());
    auto entry = reinterpret_cast<trellis_plugin_entry_fn>(dlsym(handle, TRELLIS_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) FAIL(path << " has no " << TRELLIS_PLUGIN_ENTRY_SYMBOL);
    descriptor = entry(&api, as_ctx(&lib_ctx));
    if (descriptor == nullptr) FAIL("the entry refused to load");
    vt = static_cast<const trellis_auth_vtable *>(descriptor->vtable);
  }
};
Library &lib() {
  static Library l;
  return l;
}

// --------------------------------------------------------------- test files

constexpr const char *kAlice = "tok-alice-0123456789abcdef";
constexpr const char *kBob = "tok-bob-fedcba9876543210xyz";
constexpr const char *kCarol = "tok-carol-5555555555555555";

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp");
    tmpl += "/allowlist-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) FAIL("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    const std::string cmd = "rm -rf '" + path + "'";
    if (std::system(cmd.c_str()) != 0) WARN("could not remove " << path);
  }
  std::string file(const char *name) const { return path + "/" + name; }
};

void write_file(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

// Atomic replacement: a new inode, as editors and config management do.
void replace_file(const std::string &path, const std::string &text) {
  write_file(path + ".new", text);
  REQUIRE(std::rename((path + ".new").c_str(), path.c_str()) == 0);
}

std::string standard_tokens() {
  return std::string("# Trellis allowlist\n") + kAlice + " acme alice admins,devs\n" +
         "\n   # indented comment\n" + kBob + "\tacme\tbob   # no groups\r\n";
}

std::string config_for(const std::string &file) { return "{\"file\": \"" + file + "\"}"; }

// ------------------------------------------------------------ instance glue

struct Created {
  trellis_status status = TRELLIS_E_INTERNAL;
  void *instance = nullptr;
  std::string error;
};

struct Instance {
  trellis_host_ctx_impl ctx;
  void *instance = nullptr;

  ~Instance() { destroy(); }
  // As the host does: cancel this instance's posts, then destroy.
  void destroy() {
    if (instance == nullptr) return;
    ctx.closing = true;
    for (auto it = g_host.tasks.begin(); it != g_host.tasks.end();) {
      it = it->ctx == as_ctx(&ctx) ? g_host.tasks.erase(it) : it + 1;
    }
    lib().vt->destroy(instance);
    instance = nullptr;
  }
};

Created create(Instance &inst, const std::string &config_json) {
  trellis_create_params p{};
  p.struct_size = sizeof p;
  p.ctx = as_ctx(&inst.ctx);
  p.instance_name = "default";
  p.config_json = config_json.c_str();
  char *error = nullptr;
  Created c;
  c.status = lib().vt->create(&p, &c.instance, &error);
  if (error != nullptr) {
    c.error = error;
    std::free(error);
  }
  inst.instance = c.status == TRELLIS_OK ? c.instance : nullptr;
  return c;
}

struct Answer {
  int calls = 0;
  trellis_status status = TRELLIS_E_INTERNAL;
  std::optional<std::string> identity;
  std::optional<std::string> reason;
};

void on_done(void *user, trellis_status status, const char *identity, const char *reason) {
  auto *a = static_cast<Answer *>(user);
  ++a->calls;
  a->status = status;
  a->identity = identity != nullptr ? std::optional<std::string>(identity) : std::nullopt;
  a->reason = reason != nullptr ? std::optional<std::string>(reason) : std::nullopt;
}

trellis_status start(Instance &inst, const char *credential, Answer *answer, uint64_t *id,
                     const char *type = "bearer") {
  trellis_auth_request r{};
  r.struct_size = sizeof r;
  r.credential_type = type;
  r.credential = credential;
  r.context_json = "{\"remote_addr\":\"203.0.113.7:51820\",\"purpose\":\"api\"}";
  return lib().vt->authenticate(inst.instance, &r, on_done, answer, id);
}

// Authenticate and run the loop until the answer arrives.
Answer ask(Instance &inst, const char *credential) {
  Answer a;
  uint64_t id = 0;
  REQUIRE(start(inst, credential, &a, &id) == TRELLIS_OK);
  CHECK(a.calls == 0);  // never answered inside authenticate
  run_loop();
  REQUIRE(a.calls == 1);
  return a;
}

void check_no_secret_logged() {
  for (const std::string &line : g_host.logs) {
    INFO(line);
    CHECK(line.find("tok-") == std::string::npos);
  }
}

}  // namespace

TEST_CASE("allowlist: descriptor", "[allowlist]") {
  const trellis_plugin_descriptor *d = lib().descriptor;
  CHECK(d->struct_size == sizeof(trellis_plugin_descriptor));
  CHECK(d->abi_major == TRELLIS_ABI_MAJOR);
  CHECK(d->kind == TRELLIS_KIND_AUTH);
  CHECK(std::string(d->name) == "allowlist");
  const trellis_auth_vtable *vt = lib().vt;
  CHECK(vt->struct_size == sizeof(trellis_auth_vtable));
  CHECK(std::string(vt->credential_type) == "bearer");
  CHECK(vt->authenticate != nullptr);
  CHECK(vt->cancel != nullptr);
  CHECK(vt->obtain_credential == nullptr);
}

TEST_CASE("allowlist: bad config and bad files are refused at create", "[allowlist]") {
  TempDir dir;
  const std::string tokens = dir.file("tokens.txt");
  write_file(tokens, standard_tokens());
  struct Case {
    std::string config;
    std::string file_text;  // written to tokens when non-empty
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"{}", "", "\"file\" (path of the token file) is required"},
      {"not json", "", "expected a JSON object"},
      {"{\"file\": 7}", "", "value of \"file\" must be a string"},
      {"{\"file\": \"tokens.txt\"}", "", "must be an absolute path"},
      {"{\"file\": \"" + tokens + "\", \"extra\": \"x\"}", "", "unknown key \"extra\""},
      {config_for(dir.file("missing.txt")), "", "missing.txt: No such file or directory"},
      {config_for(tokens), std::string(kAlice) + " acme\n", "line 1: expected"},
      {config_for(tokens), "# c\n\nshort acme alice\n", "line 3: a token must be 16 to 128"},
      {config_for(tokens), std::string(kAlice) + " a u g\n" + kBob + " a u g\n" + kAlice + " b v\n",
       "line 3: duplicate token (first on line 1)"},
      {config_for(tokens), std::string(kAlice) + " a u admins,,devs\n", "line 1: groups must be"},
      {config_for(tokens), std::string(kAlice) + " a u g extra\n", "found 5 field(s)"},
      {config_for(tokens), std::string(kAlice) + " \xff\xfe u\n", "line 1: account and user"},
  };
  for (const Case &c : cases) {
    INFO(c.config << " / " << c.file_text);
    if (!c.file_text.empty()) write_file(tokens, c.file_text);
    Instance inst;
    const Created r = create(inst, c.config);
    CHECK(r.status == TRELLIS_E_INVALID);
    CHECK(r.instance == nullptr);
    CHECK(r.error.find(c.expect) != std::string::npos);
    CHECK(r.error.find("tok-") == std::string::npos);  // errors never quote a token
  }
  check_no_secret_logged();
}

TEST_CASE("allowlist: known tokens get their identity, asynchronously", "[allowlist]") {
  TempDir dir;
  write_file(dir.file("tokens.txt"), standard_tokens());
  Instance inst;
  REQUIRE(create(inst, config_for(dir.file("tokens.txt"))).status == TRELLIS_OK);

  const Answer a = ask(inst, kAlice);
  CHECK(a.status == TRELLIS_OK);
  CHECK(a.identity == std::optional<std::string>(
                          R"({"account":"acme","user":"alice","groups":["admins","devs"],"ephemeral":false})"));
  CHECK_FALSE(a.reason);

  const Answer b = ask(inst, kBob);
  CHECK(b.status == TRELLIS_OK);
  CHECK(b.identity == std::optional<std::string>(
                          R"({"account":"acme","user":"bob","groups":[],"ephemeral":false})"));

  // credential_type may be left NULL by the caller.
  Answer c;
  uint64_t id = 0;
  REQUIRE(start(inst, kAlice, &c, &id, nullptr) == TRELLIS_OK);
  run_loop();
  CHECK(c.status == TRELLIS_OK);
  check_no_secret_logged();
}

TEST_CASE("allowlist: unknown tokens are denied without a hint", "[allowlist]") {
  TempDir dir;
  write_file(dir.file("tokens.txt"), standard_tokens());
  Instance inst;
  REQUIRE(create(inst, config_for(dir.file("tokens.txt"))).status == TRELLIS_OK);
  const std::string alice = kAlice;
  const std::vector<std::string> wrong = {
      "",
      "tok-nobody-000000000000000",
      alice.substr(0, alice.size() - 1),  // prefix of a real token
      alice + "x",                        // real token plus a byte
      std::string(alice.size(), 'A'),
      std::string(4096, 'z'),             // longer than any slot
      kCarol,
  };
  for (const std::string &w : wrong) {
    INFO("credential of length " << w.size());
    const Answer a = ask(inst, w.c_str());
    CHECK(a.status == TRELLIS_E_DENIED);
    CHECK(a.reason == std::optional<std::string>("unknown token"));
    CHECK_FALSE(a.identity);
  }
  bool logged_remote = false;
  for (const std::string &line : g_host.logs) {
    logged_remote |= line.find("denied an unknown token from 203.0.113.7:51820") != std::string::npos;
  }
  CHECK(logged_remote);
  check_no_secret_logged();
}

TEST_CASE("allowlist: bad requests fail synchronously and never call done", "[allowlist]") {
  TempDir dir;
  write_file(dir.file("tokens.txt"), standard_tokens());
  Instance inst;
  REQUIRE(create(inst, config_for(dir.file("tokens.txt"))).status == TRELLIS_OK);
  Answer a;
  uint64_t id = 0;
  CHECK(start(inst, kAlice, &a, &id, "setup-key") == TRELLIS_E_INVALID);
  CHECK(start(inst, nullptr, &a, &id) == TRELLIS_E_INVALID);
  CHECK(lib().vt->authenticate(inst.instance, nullptr, on_done, &a, &id) == TRELLIS_E_INVALID);

  g_host.refuse_posts = true;
  CHECK(start(inst, kAlice, &a, &id) == TRELLIS_E_CLOSED);
  g_host.refuse_posts = false;
  run_loop();
  CHECK(a.calls == 0);
  // The instance still works afterwards.
  CHECK(ask(inst, kAlice).status == TRELLIS_OK);
}

TEST_CASE("allowlist: cancel and destroy stop delivery", "[allowlist]") {
  TempDir dir;
  write_file(dir.file("tokens.txt"), standard_tokens());

  SECTION("a cancelled request is never answered; others are") {
    Instance inst;
    REQUIRE(create(inst, config_for(dir.file("tokens.txt"))).status == TRELLIS_OK);
    Answer first, second;
    uint64_t id1 = 0, id2 = 0;
    REQUIRE(start(inst, kAlice, &first, &id1) == TRELLIS_OK);
    REQUIRE(start(inst, kBob, &second, &id2) == TRELLIS_OK);
    CHECK(id1 != id2);
    lib().vt->cancel(inst.instance, id1);
    lib().vt->cancel(inst.instance, 987654321);  // unknown: ignored
    run_loop();
    CHECK(first.calls == 0);
    CHECK(second.calls == 1);
    lib().vt->cancel(inst.instance, id2);  // already answered: ignored
    CHECK(ask(inst, kAlice).status == TRELLIS_OK);
  }
  SECTION("destroy with requests in flight answers none of them") {
    Answer pending[3];
    {
      Instance inst;
      REQUIRE(create(inst, config_for(dir.file("tokens.txt"))).status == TRELLIS_OK);
      uint64_t id = 0;
      for (Answer &p : pending) REQUIRE(start(inst, kAlice, &p, &id) == TRELLIS_OK);
      inst.destroy();
    }
    CHECK(run_loop() == 0);
    for (const Answer &p : pending) CHECK(p.calls == 0);
  }
}

TEST_CASE("allowlist: the file is reloaded when it changes and bad edits fail closed", "[allowlist]") {
  TempDir dir;
  const std::string tokens = dir.file("tokens.txt");
  write_file(tokens, standard_tokens());
  Instance inst;
  REQUIRE(create(inst, config_for(tokens)).status == TRELLIS_OK);
  REQUIRE(ask(inst, kAlice).status == TRELLIS_OK);
  REQUIRE(ask(inst, kCarol).status == TRELLIS_E_DENIED);

  // Replaced atomically: alice revoked, carol added.
  replace_file(tokens, std::string(kBob) + " acme bob\n" + kCarol + " other carol ops\n");
  CHECK(ask(inst, kAlice).status == TRELLIS_E_DENIED);
  const Answer carol = ask(inst, kCarol);
  CHECK(carol.status == TRELLIS_OK);
  CHECK(carol.identity == std::optional<std::string>(
                              R"({"account":"other","user":"carol","groups":["ops"],"ephemeral":false})"));

  // Edited in place (same inode): a different size is a new version.
  write_file(tokens, std::string(kAlice) + " acme alice\n");
  CHECK(ask(inst, kAlice).status == TRELLIS_OK);
  CHECK(ask(inst, kCarol).status == TRELLIS_E_DENIED);

  // A bad edit: nothing is accepted, not even a token the last good version had.
  g_host.logs.clear();
  replace_file(tokens, std::string(kAlice) + " acme alice\nbroken line\n");
  Answer a = ask(inst, kAlice);
  CHECK(a.status == TRELLIS_E_UNAVAILABLE);
  CHECK(a.reason == std::optional<std::string>("token list unavailable"));
  a = ask(inst, kAlice);  // same broken version: still unavailable, logged once
  CHECK(a.status == TRELLIS_E_UNAVAILABLE);
  int errors = 0;
  for (const std::string &line : g_host.logs) errors += line.find("line 2: expected") != std::string::npos;
  CHECK(errors == 1);

  replace_file(tokens, standard_tokens());
  CHECK(ask(inst, kAlice).status == TRELLIS_OK);

  // Deleted: fail closed; restored: back.
  REQUIRE(::unlink(tokens.c_str()) == 0);
  CHECK(ask(inst, kBob).status == TRELLIS_E_UNAVAILABLE);
  write_file(tokens, standard_tokens());
  CHECK(ask(inst, kBob).status == TRELLIS_OK);
  check_no_secret_logged();
}

TEST_CASE("allowlist: names come back as valid JSON and large lists work", "[allowlist]") {
  TempDir dir;
  const std::string tokens = dir.file("tokens.txt");
  std::string text = std::string(kAlice) + " ac\"me\\ z\xc3\xbcrich g\"1\n";
  for (int i = 0; i < 2000; ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "bulk-token-%08d-abcdef acct%d user%d g%d\n", i, i % 7, i, i % 3);
    text += line;
  }
  write_file(tokens, text);
  Instance inst;
  REQUIRE(create(inst, config_for(tokens)).status == TRELLIS_OK);
  const Answer a = ask(inst, kAlice);
  CHECK(a.identity == std::optional<std::string>(
                          "{\"account\":\"ac\\\"me\\\\\",\"user\":\"z\xc3\xbcrich\",\"groups\":[\"g\\\"1\"],"
                          "\"ephemeral\":false}"));
  const Answer first = ask(inst, "bulk-token-00000000-abcdef");
  CHECK(first.identity == std::optional<std::string>(
                              R"({"account":"acct0","user":"user0","groups":["g0"],"ephemeral":false})"));
  const Answer last = ask(inst, "bulk-token-00001999-abcdef");
  CHECK(last.identity == std::optional<std::string>(
                             R"({"account":"acct4","user":"user1999","groups":["g1"],"ephemeral":false})"));
  CHECK(ask(inst, "bulk-token-00002000-abcdef").status == TRELLIS_E_DENIED);
}
