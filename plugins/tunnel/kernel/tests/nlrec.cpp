// SPDX-License-Identifier: Apache-2.0
// Loader for recorded netlink traffic (*.nlrec).
#include "nlrec.hpp"

#include <linux/netlink.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

#include <sodium/utils.h>

namespace trellis::tunnel_kernel::test {

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::vector<Record> load_nlrec(const std::string &name) {
  const std::string path = std::string(TRELLIS_KERNEL_FIXTURES) + "/" + name + ".nlrec";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<Record> out;
  std::vector<size_t> declared;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    const std::string where = path + ":" + std::to_string(n);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '>' || line[0] == '<') {
      out.push_back(Record{line[0] == '>', {}});
      const size_t sp = line.find(' ', 2);
      declared.push_back(std::stoul(line.substr(line.find(' ', sp) + 1)));
      continue;
    }
    if (out.empty() || line.size() % 2 != 0) throw std::runtime_error(where + ": bad hex line");
    for (size_t i = 0; i < line.size(); i += 2) {
      const int hi = nibble(line[i]), lo = nibble(line[i + 1]);
      if (hi < 0 || lo < 0) throw std::runtime_error(where + ": bad hex digit");
      out.back().bytes.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].bytes.size() != declared[i]) {
      throw std::runtime_error(path + ": record " + std::to_string(i) + " has " +
                               std::to_string(out[i].bytes.size()) + " bytes, header says " +
                               std::to_string(declared[i]));
    }
  }
  return out;
}

std::vector<std::vector<uint8_t>> messages_of(std::span<const uint8_t> datagram) {
  std::vector<std::vector<uint8_t>> out;
  size_t off = 0;
  while (off < datagram.size()) {
    nlmsghdr h;
    if (datagram.size() - off < sizeof(h)) throw std::runtime_error("truncated header");
    std::memcpy(&h, datagram.data() + off, sizeof(h));
    if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > datagram.size() - off) {
      throw std::runtime_error("bad nlmsg_len");
    }
    out.emplace_back(datagram.begin() + off, datagram.begin() + off + h.nlmsg_len);
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return out;
}

std::vector<uint8_t> without_seq(std::span<const uint8_t> message) {
  std::vector<uint8_t> out(message.begin(), message.end());
  if (out.size() >= sizeof(nlmsghdr)) {
    std::memset(out.data() + offsetof(nlmsghdr, nlmsg_seq), 0, 8);
  }
  return out;
}

std::array<uint8_t, 32> key_from_base64(const char *text) {
  std::array<uint8_t, 32> key{};
  size_t len = 0;
  if (sodium_base642bin(key.data(), key.size(), text, std::strlen(text), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != key.size()) {
    throw std::runtime_error(std::string("bad base64 key ") + text);
  }
  return key;
}

std::string hex(std::span<const uint8_t> bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0 && i % 32 == 0) s += '\n';
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 15];
  }
  return s;
}

}  // namespace trellis::tunnel_kernel::test
