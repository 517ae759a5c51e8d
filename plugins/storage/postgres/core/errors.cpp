// SPDX-License-Identifier: Apache-2.0
// SQLSTATE classification (see errors.hpp; codes from PostgreSQL's Appendix A).
#include "errors.hpp"

namespace trellis::storage::postgres {

ErrorClass classify_sqlstate(std::string_view s) {
  const std::string_view cls = s.substr(0, 2);
  if (cls == "08" || s == "57P01" || s == "57P02" || s == "57P03") {
    return {ErrorKind::kConnectionLost, TRELLIS_E_UNAVAILABLE};
  }
  if (s == "40001" || s == "40P01" || s == "55P03" || cls == "53") {
    return {ErrorKind::kRetryable, TRELLIS_E_UNAVAILABLE};
  }
  if (s == "57014") return {ErrorKind::kFatal, TRELLIS_E_TIMEOUT};  // statement_timeout
  if (s == "23505") return {ErrorKind::kFatal, TRELLIS_E_EXISTS};
  if (cls == "22" || cls == "23") return {ErrorKind::kFatal, TRELLIS_E_INVALID};
  if (cls == "28" || s == "42501") return {ErrorKind::kFatal, TRELLIS_E_DENIED};
  if (cls == "42" || cls == "XX" || cls == "25") return {ErrorKind::kFatal, TRELLIS_E_INTERNAL};
  return {ErrorKind::kFatal, TRELLIS_E_IO};
}

}  // namespace trellis::storage::postgres
