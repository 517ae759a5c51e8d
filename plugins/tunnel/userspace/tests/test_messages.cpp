// SPDX-License-Identifier: Apache-2.0
// Wire formats and the datagram parser: sizes and field offsets as the
// whitepaper and the other implementations lay them out, little-endian
// integers, and a table of malformed inputs, each refused for its reason.
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "core/messages.hpp"
#include "test_util.hpp"

using namespace trellis::wg;

TEST_CASE("message layouts match the wire format", "[messages]") {
  STATIC_REQUIRE(sizeof(MessageInitiation) == 148);
  STATIC_REQUIRE(sizeof(MessageResponse) == 92);
  STATIC_REQUIRE(sizeof(MessageCookieReply) == 64);
  CHECK(offsetof(MessageInitiation, sender_index) == 4);
  CHECK(offsetof(MessageInitiation, ephemeral) == 8);
  CHECK(offsetof(MessageInitiation, encrypted_static) == 40);
  CHECK(offsetof(MessageInitiation, encrypted_timestamp) == 88);
  CHECK(offsetof(MessageInitiation, mac1) == 116);
  CHECK(offsetof(MessageInitiation, mac2) == 132);
  CHECK(offsetof(MessageResponse, sender_index) == 4);
  CHECK(offsetof(MessageResponse, receiver_index) == 8);
  CHECK(offsetof(MessageResponse, ephemeral) == 12);
  CHECK(offsetof(MessageResponse, encrypted_nothing) == 44);
  CHECK(offsetof(MessageResponse, mac1) == 60);
  CHECK(offsetof(MessageResponse, mac2) == 76);
  CHECK(offsetof(MessageCookieReply, receiver_index) == 4);
  CHECK(offsetof(MessageCookieReply, nonce) == 8);
  CHECK(offsetof(MessageCookieReply, encrypted_cookie) == 32);
  CHECK(mac1_offset(kInitiationLen) == 116);
  CHECK(mac2_offset(kInitiationLen) == 132);
  CHECK(mac1_offset(kResponseLen) == 60);
  CHECK(mac2_offset(kResponseLen) == 76);
}

TEST_CASE("transport header is little-endian: type, 3 zero bytes, index, counter", "[messages]") {
  uint8_t buf[16];
  encode_transport_header(buf, 0x11223344u, 0x0102030405060708ULL);
  CHECK(test::to_hex(buf) == "0400000044332211" "0807060504030201");
  const auto h = decode_transport_header(buf);
  CHECK(h.receiver_index == 0x11223344u);
  CHECK(h.counter == 0x0102030405060708ULL);
  uint8_t b4[4];
  store_le32(b4, 0xa1b2c3d4u);
  CHECK(test::to_hex(b4) == "d4c3b2a1");
}

TEST_CASE("parser accepts exact lengths only", "[messages]") {
  struct Case {
    std::vector<uint8_t> bytes;
    ParseStatus status;
  };
  auto msg = [](uint8_t type, size_t len) {
    std::vector<uint8_t> v(len, 0xab);
    if (len > 0) v[0] = type;
    for (size_t i = 1; i < 4 && i < len; ++i) v[i] = 0;
    return v;
  };
  std::vector<Case> cases = {
      {{}, ParseStatus::too_short},
      {{1}, ParseStatus::too_short},
      {{1, 0, 0}, ParseStatus::too_short},
      {msg(1, 148), ParseStatus::ok},
      {msg(1, 147), ParseStatus::bad_length},
      {msg(1, 149), ParseStatus::bad_length},
      {msg(1, 4), ParseStatus::bad_length},
      {msg(2, 92), ParseStatus::ok},
      {msg(2, 91), ParseStatus::bad_length},
      {msg(2, 93), ParseStatus::bad_length},
      {msg(3, 64), ParseStatus::ok},
      {msg(3, 63), ParseStatus::bad_length},
      {msg(3, 65), ParseStatus::bad_length},
      {msg(4, 32), ParseStatus::ok},
      {msg(4, 31), ParseStatus::bad_length},
      {msg(4, 16), ParseStatus::bad_length},
      {msg(4, 1452), ParseStatus::ok},
      {msg(4, 65535), ParseStatus::ok},
      {msg(4, 65536), ParseStatus::bad_length},
      {msg(0, 148), ParseStatus::unknown_type},
      {msg(5, 148), ParseStatus::unknown_type},
      {msg(0xff, 32), ParseStatus::unknown_type},
  };
  auto reserved = msg(1, 148);
  reserved[2] = 1;
  cases.push_back({reserved, ParseStatus::bad_reserved});
  auto reserved4 = msg(4, 64);
  reserved4[3] = 0x80;
  cases.push_back({reserved4, ParseStatus::bad_reserved});

  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i << " len " << cases[i].bytes.size());
    CHECK(parse_message(cases[i].bytes).status == cases[i].status);
  }
  CHECK(parse_message(msg(3, 64)).type == MessageType::cookie_reply);
}

TEST_CASE("parser never reads outside the span", "[messages]") {
  // A datagram view into the middle of a buffer whose neighbours would make a
  // valid message if the parser overran.
  std::vector<uint8_t> buf(300, 0);
  buf[100] = 4;
  for (size_t len = 0; len < 40; ++len) {
    const auto r = parse_message({buf.data() + 100, len});
    CHECK(r.status == (len < 4 ? ParseStatus::too_short : len < 32 ? ParseStatus::bad_length : ParseStatus::ok));
  }
}
