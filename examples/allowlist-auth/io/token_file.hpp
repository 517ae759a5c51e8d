// SPDX-License-Identifier: Apache-2.0
// The token file on disk: a cheap stat-based stamp that tells whether the file
// changed since it was last read, and a reader that returns its bytes in a
// buffer wiped on destruction (the text holds every token).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace trellis::examples::allowlist {

// What identifies one version of the file: a replaced file (rename over it)
// has another inode, an edited one another size, mtime or ctime.
struct FileStamp {
  bool present = false;
  int error = 0;  // errno of a failed stat; 0 when present
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  long long mtime_ns = 0;
  long long ctime_ns = 0;

  bool operator==(const FileStamp &o) const;
  bool operator!=(const FileStamp &o) const { return !(*this == o); }
};

// Bytes that are wiped when the buffer goes away.
class SecretText {
 public:
  SecretText() = default;
  explicit SecretText(size_t capacity);
  SecretText(const SecretText &) = delete;
  SecretText &operator=(const SecretText &) = delete;
  SecretText(SecretText &&o) noexcept;
  SecretText &operator=(SecretText &&o) noexcept;
  ~SecretText();

  char *data() { return data_.get(); }
  size_t capacity() const { return capacity_; }
  void set_size(size_t n) { size_ = n; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  void reset() noexcept;
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

class TokenFile {
 public:
  // Larger files are refused: a token list has no business being bigger.
  static constexpr size_t kMaxBytes = 1 << 20;

  explicit TokenFile(std::string path) : path_(std::move(path)) {}
  const std::string &path() const { return path_; }

  // stat(2) of the path, as a stamp (present == false with error set when it fails).
  FileStamp stat() const;

  // Reads the whole file. On success *stamp describes the version read (from
  // fstat of the open file, so a later change is seen as a new stamp). On
  // failure returns false with a reason (no path) in *error.
  bool read(SecretText *text, FileStamp *stamp, std::string *error) const;

 private:
  std::string path_;
};

}  // namespace trellis::examples::allowlist
