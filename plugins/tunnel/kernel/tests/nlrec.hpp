// SPDX-License-Identifier: Apache-2.0
// Reads the recorded netlink traffic under tests/fixtures (*.nlrec): lines
// "> sent N bytes" / "< received N bytes" open one send or receive call, hex
// lines follow, '#' lines are comments. Helpers cut a datagram into messages
// and clear the per-run header fields (sequence number, port id) so requests
// from different runs compare equal.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trellis::tunnel_kernel::test {

struct Record {
  bool sent = false;
  std::vector<uint8_t> bytes;
};

// Throws std::runtime_error naming the file and line on any format error.
std::vector<Record> load_nlrec(const std::string &name);

// The messages of one datagram (each a copy). Throws on a bad length.
std::vector<std::vector<uint8_t>> messages_of(std::span<const uint8_t> datagram);

// A copy with nlmsg_seq and nlmsg_pid zeroed.
std::vector<uint8_t> without_seq(std::span<const uint8_t> message);

// A 32-byte key from its base64 form (as wg prints it). Throws on bad input.
std::array<uint8_t, 32> key_from_base64(const char *text);

// Printable hex for failure messages.
std::string hex(std::span<const uint8_t> bytes);

}  // namespace trellis::tunnel_kernel::test
