// SPDX-License-Identifier: Apache-2.0
// The storage conformance suite's runner: one Catch2 binary, run once per
// backend by ctest.
//
//   trellis_storage_conformance --backend sqlite --plugin PATH [catch args]
//   trellis_storage_conformance --backend postgres --plugin PATH --dsn URI
//       --pg-script tests/support/postgres.sh --pg-dir DIR [catch args]
//
// With --durability-child as first argument it is instead the child process of
// the durability test (see conformance_concurrency.cpp).
#define CATCH_CONFIG_RUNNER
#include <csignal>
#include <cstring>

#include "conformance.hpp"

int main(int argc, char **argv) {
  using trellis::storage_test::options;
  if (argc > 1 && std::strcmp(argv[1], "--durability-child") == 0) {
    return trellis::storage_test::durability_child(argc, argv);
  }
  // libpq writes to sockets the server may have closed during restart tests.
  std::signal(SIGPIPE, SIG_IGN);
  options().self = argv[0];

  Catch::Session session;
  using Catch::clara::Opt;
  auto cli =
      session.cli() |
      Opt(options().backend, "sqlite|postgres")["--backend"]("storage backend under test") |
      Opt(options().plugin, "path")["--plugin"]("storage plugin library") |
      Opt(options().dsn, "uri")["--dsn"]("postgres: connection URI") |
      Opt(options().pg_script, "path")["--pg-script"]("postgres: tests/support/postgres.sh") |
      Opt(options().pg_dir, "dir")["--pg-dir"]("postgres: the server's directory");
  session.cli(cli);
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  const auto &o = options();
  const bool listing = session.configData().listTests || session.configData().listTestNamesOnly ||
                       session.configData().listTags || session.configData().showHelp;
  if (!listing) {
    if (o.backend != "sqlite" && o.backend != "postgres") {
      std::fprintf(stderr, "--backend must be sqlite or postgres\n");
      return 2;
    }
    if (o.plugin.empty() ||
        (o.backend == "postgres" && (o.dsn.empty() || o.pg_script.empty() || o.pg_dir.empty()))) {
      std::fprintf(stderr,
                   "--plugin is required; postgres also needs --dsn, --pg-script, --pg-dir\n");
      return 2;
    }
  }
  return session.run();
}
