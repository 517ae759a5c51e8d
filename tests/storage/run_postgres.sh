#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the storage conformance suite against the postgres plugin on a private
# PostgreSQL server (tests/support/postgres.sh) that it starts here and always
# stops, whatever happens. Exit status 77 (ctest SKIP_RETURN_CODE) when the
# PostgreSQL server binaries are not installed.
#
#   run_postgres.sh SUITE PLUGIN [catch arguments...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pg="$here/../support/postgres.sh"
suite=${1:?usage: run_postgres.sh SUITE PLUGIN [catch args]}
plugin=${2:?usage: run_postgres.sh SUITE PLUGIN [catch args]}
shift 2

if ! "$pg" available; then
  echo "SKIP: PostgreSQL server binaries (initdb, pg_ctl) are not installed;" \
       "install the postgresql package to run the postgres storage tests" >&2
  exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/trellis-pg.XXXXXX")
trap '"$pg" stop "$dir"' EXIT
trap 'exit 130' INT TERM
uri=$("$pg" start "$dir") || { echo "run_postgres.sh: could not start PostgreSQL" >&2; exit 1; }
echo "run_postgres.sh: private PostgreSQL at $uri" >&2
"$suite" --backend postgres --plugin "$plugin" --dsn "$uri" --pg-script "$pg" --pg-dir "$dir" "$@"
