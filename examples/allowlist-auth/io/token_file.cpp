// SPDX-License-Identifier: Apache-2.0
// stat/open/read of the token file; see token_file.hpp.
#include "token_file.hpp"

#include "../core/token_table.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace trellis::examples::allowlist {
namespace {

FileStamp stamp_of(const struct stat &st) {
  FileStamp s;
  s.present = true;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  s.ctime_ns = static_cast<long long>(st.st_ctim.tv_sec) * 1000000000LL + st.st_ctim.tv_nsec;
  return s;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

bool FileStamp::operator==(const FileStamp &o) const {
  if (present != o.present) return false;
  if (!present) return error == o.error;
  return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns &&
         ctime_ns == o.ctime_ns;
}

SecretText::SecretText(size_t capacity)
    : data_(std::make_unique<char[]>(capacity)), capacity_(capacity) {}

SecretText::SecretText(SecretText &&o) noexcept
    : data_(std::move(o.data_)), capacity_(o.capacity_), size_(o.size_) {
  o.capacity_ = o.size_ = 0;
}

SecretText &SecretText::operator=(SecretText &&o) noexcept {
  if (this != &o) {
    reset();
    data_ = std::move(o.data_);
    capacity_ = o.capacity_;
    size_ = o.size_;
    o.capacity_ = o.size_ = 0;
  }
  return *this;
}

SecretText::~SecretText() { reset(); }

void SecretText::reset() noexcept {
  wipe(data_.get(), capacity_);
  data_.reset();
  capacity_ = size_ = 0;
}

FileStamp TokenFile::stat() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    FileStamp s;
    s.error = errno;
    return s;
  }
  return stamp_of(st);
}

bool TokenFile::read(SecretText *text, FileStamp *stamp, std::string *error) const {
  Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    *error = std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    *error = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = "not a regular file";
    return false;
  }
  if (st.st_size < 0 || static_cast<unsigned long long>(st.st_size) > kMaxBytes) {
    *error = "larger than " + std::to_string(kMaxBytes) + " bytes";
    return false;
  }
  // One byte more than the size stat reported, to notice a file that grows
  // while it is read; such a read is still consistent up to that byte and the
  // growth shows in the next stamp.
  SecretText buf(static_cast<size_t>(st.st_size) + 1);
  size_t got = 0;
  while (got < buf.capacity()) {
    const ssize_t n = ::read(fd.get(), buf.data() + got, buf.capacity() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > static_cast<size_t>(st.st_size)) {
    *error = "file changed while it was read";
    return false;
  }
  buf.set_size(got);
  *text = std::move(buf);
  *stamp = stamp_of(st);
  return true;
}

}  // namespace trellis::examples::allowlist
