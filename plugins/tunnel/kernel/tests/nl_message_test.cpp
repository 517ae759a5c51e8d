// SPDX-License-Identifier: Apache-2.0
// Netlink framing: the writer's capacity bound, strict attribute parsing,
// datagram splitting and reply classification (acks, errors with extended
// ack, capped errors, failed dumps).
#include <linux/netlink.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "core/nl_message.hpp"

namespace trellis::tunnel_kernel {
namespace {

std::vector<uint8_t> bytes_of(const SecureBytes &b) { return {b.data(), b.data() + b.size()}; }

TEST_CASE("the writer never passes its capacity and a refused put changes nothing", "[nl]") {
  MessageWriter w(40, 0x20, NLM_F_REQUEST);
  CHECK(w.size() == 16);
  CHECK(w.put_u32(1, 7));  // 24
  CHECK(w.put_u32(2, 8));  // 32
  CHECK(w.put_u32(3, 9));  // 40: exactly full
  CHECK_FALSE(w.put_u8(4, 1));
  CHECK(w.nest_start(5) == nullptr);
  CHECK(w.size() == 40);
  const SecureBytes m = w.finish();
  CHECK(m.size() == 40);
}

TEST_CASE("a cancelled nest leaves no trace", "[nl]") {
  MessageWriter w(128, 0x20, NLM_F_REQUEST);
  w.put_u32(1, 7);
  const size_t before = w.size();
  nlattr *n = w.nest_start(2);
  REQUIRE(n != nullptr);
  w.put_u32(3, 1);
  w.nest_cancel(n);
  CHECK(w.size() == before);
}

TEST_CASE("attribute parsing is strict about lengths", "[nl]") {
  // Two u32 attributes: type 1 = 7, type 2 = 8.
  std::vector<uint8_t> p = {8, 0, 1, 0, 7, 0, 0, 0, 8, 0, 2, 0, 8, 0, 0, 0};
  AttrTable<2> t;
  REQUIRE(t.parse(p.data(), p.size()));
  REQUIRE(t[1] != nullptr);
  CHECK(mnl_attr_get_u32(t[2]) == 8u);

  SECTION("an attribute longer than what is left") {
    p[8] = 12;
    CHECK_FALSE(t.parse(p.data(), p.size()));
  }
  SECTION("stray bytes after the attributes") {
    p.insert(p.end(), {1, 2, 3, 4, 5});
    CHECK_FALSE(t.parse(p.data(), p.size()));
  }
  SECTION("an attribute shorter than its own header") {
    p[8] = 2;
    CHECK_FALSE(t.parse(p.data(), p.size()));
  }
  SECTION("unknown higher types are skipped") {
    p[10] = 9;
    REQUIRE(t.parse(p.data(), p.size()));
    CHECK(t[2] == nullptr);
  }
}

SecureBytes error_message(int error, uint16_t flags, const char *ext) {
  MessageWriter w(256, NLMSG_ERROR, flags);
  auto *err = w.put_header<nlmsgerr>();
  err->error = error;
  err->msg.nlmsg_len = 36;  // the echoed request's header only (capped)
  if (ext != nullptr) w.put_strz(NLMSGERR_ATTR_MSG, ext);
  return w.finish();
}

TEST_CASE("classify: acks, errors, capped errors with extended ack, dumps", "[nl]") {
  Reply r;
  SECTION("ack") {
    const SecureBytes m = error_message(0, NLM_F_CAPPED, nullptr);
    REQUIRE(classify(m.span(), r));
    CHECK(r.kind == Reply::Kind::kAck);
  }
  SECTION("capped error with an extended-ack message") {
    const SecureBytes m = error_message(-22, NLM_F_CAPPED | NLM_F_ACK_TLVS, "bad things");
    REQUIRE(classify(m.span(), r));
    CHECK(r.kind == Reply::Kind::kError);
    CHECK(r.error == -22);
    CHECK(r.ext_ack == "bad things");
  }
  SECTION("error too short for nlmsgerr") {
    const SecureBytes m = error_message(-22, 0, nullptr);
    CHECK_FALSE(classify(m.span().first(20), r));
  }
  SECTION("a dump that failed midway") {
    MessageWriter w(64, NLMSG_DONE, NLM_F_MULTI);
    *w.put_header<int32_t>() = -16;
    const SecureBytes m = w.finish();
    REQUIRE(classify(m.span(), r));
    CHECK(r.kind == Reply::Kind::kError);
    CHECK(r.error == -16);
  }
  SECTION("data") {
    MessageWriter w(64, 0x20, NLM_F_MULTI);
    w.put_u32(1, 1);
    const SecureBytes m = w.finish();
    REQUIRE(classify(m.span(), r));
    CHECK(r.kind == Reply::Kind::kData);
    CHECK(r.flags == NLM_F_MULTI);
  }
}

TEST_CASE("split_datagram checks every length", "[nl]") {
  MessageWriter a(64, 0x20, 0);
  a.put_u8(1, 1);  // nlmsg_len 24 (libmnl counts the padding)
  MessageWriter b(64, 0x21, 0);
  b.put_u32(1, 2);
  auto one = bytes_of(a.finish());
  const auto two = bytes_of(b.finish());
  REQUIRE(one.size() == 24);
  one[0] = 21;  // as a kernel may send it: padding outside nlmsg_len
  std::vector<uint8_t> datagram = one;
  datagram.insert(datagram.end(), two.begin(), two.end());

  std::vector<std::span<const uint8_t>> out;
  REQUIRE(split_datagram(datagram, out));
  REQUIRE(out.size() == 2);
  CHECK(out[0].size() == 21);
  CHECK(out[1].size() == 24);

  out.clear();
  CHECK_FALSE(split_datagram(std::span<const uint8_t>(datagram).first(30), out));
  out.clear();
  datagram[0] = 8;  // shorter than a header
  CHECK_FALSE(split_datagram(datagram, out));
}

}  // namespace
}  // namespace trellis::tunnel_kernel
