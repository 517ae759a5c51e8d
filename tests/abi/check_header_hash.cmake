# SPDX-License-Identifier: Apache-2.0
# Recomputes the SHA-256 of sdk/include/trellis/plugin.h and compares it with
# the committed one, so that no edit of the ABI header goes unnoticed: any
# change must come with a deliberate version decision.
#   cmake -DHEADER=<plugin.h> -DEXPECTED=<plugin_h.sha256> -P check_header_hash.cmake
# EXPECTED holds "<hex digest>  <path>" as written by sha256sum.
foreach(var HEADER EXPECTED)
  if(NOT DEFINED ${var} OR NOT EXISTS "${${var}}")
    message(FATAL_ERROR "check_header_hash: ${var}='${${var}}' does not name a file")
  endif()
endforeach()

file(SHA256 "${HEADER}" actual)
file(STRINGS "${EXPECTED}" lines LIMIT_COUNT 1)
string(REGEX MATCH "^[0-9a-f]+" expected "${lines}")
string(LENGTH "${expected}" expected_len)
if(NOT expected_len EQUAL 64)
  message(FATAL_ERROR "check_header_hash: ${EXPECTED} does not start with a SHA-256 hex digest")
endif()

if(NOT actual STREQUAL expected)
  message(FATAL_ERROR
    "plugin.h changed: if deliberate, bump TRELLIS_ABI_MINOR (append-only) or MAJOR, "
    "then update tests/abi/plugin_h.sha256\n"
    "  header:   ${HEADER}\n"
    "  expected: ${expected}\n"
    "  actual:   ${actual}\n"
    "  update with: (cd <source dir> && sha256sum sdk/include/trellis/plugin.h > tests/abi/plugin_h.sha256)")
endif()
message(STATUS "plugin.h matches ${EXPECTED} (${actual})")
