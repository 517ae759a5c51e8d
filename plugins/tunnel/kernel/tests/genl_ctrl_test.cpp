// SPDX-License-Identifier: Apache-2.0
// CTRL_CMD_GETFAMILY: our request equals wireguard-tools'; the kernel's answer
// decodes to the family id; a kernel without WireGuard answers -ENOENT.
#include <catch2/catch.hpp>

#include "core/genl_ctrl.hpp"
#include "core/nl_message.hpp"
#include "nlrec.hpp"

namespace trellis::tunnel_kernel {
namespace {

using test::load_nlrec;
using test::without_seq;

TEST_CASE("GETFAMILY \"wireguard\" equals wg's request; the answer gives the id", "[genl_ctrl]") {
  const auto rec = load_nlrec("genl_family_wireguard");
  REQUIRE(rec.size() == 3);
  SecureBytes req;
  REQUIRE(encode_get_family("wireguard", req));
  CHECK(without_seq(req.span()) == without_seq(rec[0].bytes));

  Reply r;
  REQUIRE(classify(rec[1].bytes, r));
  REQUIRE(r.kind == Reply::Kind::kData);
  FamilyInfo info;
  REQUIRE(decode_family(rec[1].bytes, info));
  CHECK(info.id == 0x20);
  CHECK(info.name == "wireguard");
  CHECK(info.version == 1);
  CHECK(info.max_attr == 8);  // WGDEVICE_A_MAX in 6.1

  REQUIRE(classify(rec[2].bytes, r));
  CHECK(r.kind == Reply::Kind::kAck);
}

TEST_CASE("a kernel without WireGuard answers GETFAMILY with -ENOENT", "[genl_ctrl]") {
  const auto rec = load_nlrec("genl_family_missing");
  REQUIRE(rec.size() == 2);
  SecureBytes req;
  REQUIRE(encode_get_family("wireguard", req));
  CHECK(without_seq(req.span()) == without_seq(rec[0].bytes));
  Reply r;
  REQUIRE(classify(rec[1].bytes, r));
  CHECK(r.kind == Reply::Kind::kError);
  CHECK(r.error == -ENOENT);
}

TEST_CASE("GETFAMILY refuses bad names and answers without an id", "[genl_ctrl]") {
  SecureBytes req;
  CHECK_FALSE(encode_get_family("", req));
  CHECK_FALSE(encode_get_family(std::string(16, 'x'), req));
  CHECK(encode_get_family(std::string(15, 'x'), req));

  // The recorded answer with its CTRL_ATTR_FAMILY_ID attribute (the first
  // after the name, at offset 36) renamed to an unknown type.
  auto rec = load_nlrec("genl_family_wireguard");
  auto bytes = rec[1].bytes;
  REQUIRE(bytes[38] == 1);  // CTRL_ATTR_FAMILY_ID
  bytes[38] = 0x7f;
  FamilyInfo info;
  CHECK_FALSE(decode_family(bytes, info));
}

}  // namespace
}  // namespace trellis::tunnel_kernel
