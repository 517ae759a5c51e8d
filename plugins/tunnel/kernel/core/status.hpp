// SPDX-License-Identifier: Apache-2.0
// The result of a core codec call: ok, or an error kind and a message naming
// what was wrong ("WGPEER_A_PUBLIC_KEY is 31 bytes, want 32"). Cores never
// throw on bytes from the kernel; they return one of these, and io/ maps the
// kind onto a trellis_status.
#pragma once

#include <string>
#include <utility>

namespace trellis::tunnel_kernel {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalid,    // the caller's input cannot be encoded (bad prefix, no room for one peer)
    kMalformed,  // bytes from the kernel do not parse
  };

  Status() = default;
  static Status ok() { return {}; }
  static Status invalid(std::string m) { return Status(Code::kInvalid, std::move(m)); }
  static Status malformed(std::string m) { return Status(Code::kMalformed, std::move(m)); }

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  const std::string &message() const { return message_; }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace trellis::tunnel_kernel
