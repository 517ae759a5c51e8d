// SPDX-License-Identifier: Apache-2.0
// FileKvBackend (see kv_store.hpp). File format, version 1:
//   {"format": 1, "records": {"<id>": {"rev": <uint64>, "value": <json>}}}
// A write goes to "<file>.tmp", is fsynced, renamed over the file, and the
// directory is fsynced, so a crash leaves either the old or the new file.
#include "core/kv_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace trellis::core {
namespace {

bool segment_ok(const std::string &s, size_t max) {
  if (s.empty() || s.size() > max || s == "." || s == "..") return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string errno_text(const char *what, const std::filesystem::path &p) {
  return fmt::format("{} {}: {}", what, p.string(), std::strerror(errno));
}

bool write_all(int fd, const std::string &data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::string kv_check_names(const std::string &scope, const std::string &collection,
                           const std::string &id) {
  std::stringstream ss(scope);
  std::string seg;
  int n = 0;
  while (std::getline(ss, seg, '/')) {
    if (!segment_ok(seg, 128)) return fmt::format("bad kv scope '{}'", scope);
    ++n;
  }
  if (n == 0) return "empty kv scope";
  bool coll_ok = !collection.empty() && collection.size() <= 64 && collection != "." &&
                 collection != "..";
  for (char c : collection) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
      coll_ok = false;
  }
  if (!coll_ok) return fmt::format("bad collection name '{}' (want [a-z0-9_.-]{{1,64}})", collection);
  if (id.empty() || id.size() > 256) return "id must be 1 to 256 bytes";
  return {};
}

FileKvBackend::FileKvBackend(std::filesystem::path root) : root_(std::move(root)) {}

nlohmann::json *FileKvBackend::load(const std::filesystem::path &file, std::string &error) {
  auto it = cache_.find(file);
  if (it != cache_.end()) return &it->second;
  nlohmann::json records = nlohmann::json::object();
  std::ifstream in(file, std::ios::binary);
  if (in) {
    std::stringstream buf;
    buf << in.rdbuf();
    nlohmann::json doc = nlohmann::json::parse(buf.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || doc.value("format", 0) != 1 ||
        !doc.contains("records") || !doc["records"].is_object()) {
      error = fmt::format("kv file {} is corrupt", file.string());
      return nullptr;
    }
    records = std::move(doc["records"]);
  } else if (errno != ENOENT) {
    error = errno_text("cannot read", file);
    return nullptr;
  }
  return &cache_.emplace(file, std::move(records)).first->second;
}

bool FileKvBackend::store(const std::filesystem::path &file, const nlohmann::json &records,
                          std::string &error) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) {
    error = fmt::format("cannot create {}: {}", file.parent_path().string(), ec.message());
    return false;
  }
  std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  nlohmann::json doc = {{"format", 1}, {"records", records}};
  std::string text = doc.dump(1, '\t', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = errno_text("cannot create", tmp);
    return false;
  }
  bool ok = write_all(fd, text) && ::fsync(fd) == 0;
  if (!ok) error = errno_text("cannot write", tmp);
  if (::close(fd) != 0 && ok) {
    ok = false;
    error = errno_text("cannot close", tmp);
  }
  if (ok && std::rename(tmp.c_str(), file.c_str()) != 0) {
    ok = false;
    error = errno_text("cannot rename onto", file);
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return false;
  }
  int dfd = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

KvResult FileKvBackend::get(const std::string &scope, const std::string &collection,
                            const std::string &id) {
  KvResult r;
  if (std::string bad = kv_check_names(scope, collection, id); !bad.empty())
    return {TRELLIS_E_INVALID, {}, 0, bad};
  std::lock_guard lock(mu_);
  nlohmann::json *records = load(root_ / scope / (collection + ".json"), r.error);
  if (records == nullptr) return {TRELLIS_E_IO, {}, 0, r.error};
  auto it = records->find(id);
  if (it == records->end()) return {TRELLIS_E_NOT_FOUND, {}, 0, "no such record"};
  r.value = (*it)["value"].dump();
  r.revision = (*it)["rev"].get<uint64_t>();
  return r;
}

KvResult FileKvBackend::put(const std::string &scope, const std::string &collection,
                            const std::string &id, const std::string &value_json,
                            uint64_t expected_revision) {
  KvResult r;
  if (std::string bad = kv_check_names(scope, collection, id); !bad.empty())
    return {TRELLIS_E_INVALID, {}, 0, bad};
  nlohmann::json value = nlohmann::json::parse(value_json, nullptr, false);
  if (value.is_discarded()) return {TRELLIS_E_INVALID, {}, 0, "value is not valid JSON"};

  std::lock_guard lock(mu_);
  const std::filesystem::path file = root_ / scope / (collection + ".json");
  nlohmann::json *records = load(file, r.error);
  if (records == nullptr) return {TRELLIS_E_IO, {}, 0, r.error};
  auto it = records->find(id);
  const uint64_t current = it == records->end() ? 0 : (*it)["rev"].get<uint64_t>();
  if (expected_revision != TRELLIS_REV_ANY && expected_revision != current) {
    return {TRELLIS_E_CONFLICT, {}, current,
            expected_revision == TRELLIS_REV_NONE
                ? "record already exists"
                : fmt::format("revision is {}, not {}", current, expected_revision)};
  }
  nlohmann::json updated = *records;
  updated[id] = {{"rev", current + 1}, {"value", std::move(value)}};
  if (!store(file, updated, r.error)) return {TRELLIS_E_IO, {}, 0, r.error};
  *records = std::move(updated);
  r.revision = current + 1;
  return r;
}

}  // namespace trellis::core
