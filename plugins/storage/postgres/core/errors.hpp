// SPDX-License-Identifier: Apache-2.0
// How a PostgreSQL error (its SQLSTATE) maps onto a trellis_status, and what it
// means for the connection and the transaction it happened in.
//
//   kConnectionLost  the session is gone (08xxx, 57P01-03): discard the
//                    connection; nothing uncommitted survives; retryable
//   kRetryable       the transaction was aborted by a concurrency or resource
//                    condition (40001, 40P01, 55P03, 53xxx); retryable
//   kFatal           anything else: the transaction is aborted, retrying the
//                    same thing will fail the same way
#pragma once

#include <trellis/plugin.h>

#include <string_view>

namespace trellis::storage::postgres {

enum class ErrorKind { kConnectionLost, kRetryable, kFatal };

struct ErrorClass {
  ErrorKind kind;
  trellis_status status;
};

ErrorClass classify_sqlstate(std::string_view sqlstate);

}  // namespace trellis::storage::postgres
