#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Negative-test wrapper: runs a command that must fail and must say why.
#   expect_failure.sh EXTENDED_REGEX COMMAND [ARG]...
# Passes (exit 0) only if COMMAND exits non-zero and its combined output
# matches EXTENDED_REGEX; a check that cannot detect what it guards against
# (exit 0) or fails for another reason (no match) makes this test fail.
set -u
if [ $# -lt 2 ]; then
  echo "usage: expect_failure.sh EXTENDED_REGEX COMMAND [ARG]..." >&2
  exit 2
fi
pattern=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -eq 0 ]; then
  echo "expect_failure: '$*' succeeded but must fail" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
  echo "expect_failure: '$*' failed (rc=$rc) without printing /$pattern/" >&2
  exit 1
fi
echo "expect_failure: failed as expected (rc=$rc)"
