// SPDX-License-Identifier: Apache-2.0
// rtnetlink against recorded iproute2 (6.1.0) traffic and kernel answers:
// link create/set/delete, address add and route add requests equal `ip`'s;
// link, address dumps and errors (EEXIST, EOPNOTSUPP with extended ack) decode.
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "core/nl_message.hpp"
#include "core/rtnl.hpp"
#include "nlrec.hpp"

namespace trellis::tunnel_kernel {
namespace {

using test::hex;
using test::load_nlrec;
using test::messages_of;
using test::without_seq;

IpPrefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
  IpPrefix p;
  p.family = AF_INET;
  p.prefix_len = len;
  p.addr[0] = a, p.addr[1] = b, p.addr[2] = c, p.addr[3] = d;
  return p;
}

void check_same(const SecureBytes &ours, const std::vector<uint8_t> &recorded) {
  const auto a = without_seq(ours.span());
  const auto b = without_seq(recorded);
  INFO("ours:\n" << hex(a) << "\nip's:\n" << hex(b));
  CHECK(a == b);
}

void check_ack(const std::vector<uint8_t> &bytes) {
  Reply r;
  REQUIRE(classify(bytes, r));
  CHECK(r.kind == Reply::Kind::kAck);
}

TEST_CASE("link create equals ip link add ... type wireguard", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_link_create");
  SecureBytes ours;
  REQUIRE(encode_link_create("wga", "wireguard", ours));
  // iproute2 leaves NLA_F_NESTED off IFLA_LINKINFO; libmnl sets it, which the
  // kernel accepts either way. Everything else is identical.
  auto theirs = rec[0].bytes;
  REQUIRE(theirs.size() == 60);
  REQUIRE(theirs[42] == IFLA_LINKINFO);
  theirs[43] |= NLA_F_NESTED >> 8;
  check_same(ours, theirs);
  check_ack(rec[1].bytes);
}

TEST_CASE("link create of an existing name is -EEXIST", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_link_create_exists");
  Reply r;
  REQUIRE(classify(rec[1].bytes, r));
  CHECK(r.kind == Reply::Kind::kError);
  CHECK(r.error == -EEXIST);
}

TEST_CASE("a kernel without WireGuard refuses the link type with an extended ack", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_link_create_unsupported");
  Reply r;
  REQUIRE(classify(rec[1].bytes, r));
  CHECK(r.kind == Reply::Kind::kError);
  CHECK(r.error == -EOPNOTSUPP);
  CHECK(r.ext_ack == "Unknown device type");
}

TEST_CASE("MTU and up equal ip link set wga mtu 1380 up", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_link_mtu_up");
  check_same(encode_link_set(3, true, 1380), rec[0].bytes);
  check_ack(rec[1].bytes);
  // Without "up" nothing but the MTU changes.
  const SecureBytes mtu_only = encode_link_set(3, std::nullopt, 1380);
  ifinfomsg ifi;
  std::memcpy(&ifi, mtu_only.data() + NLMSG_HDRLEN, sizeof(ifi));
  CHECK(ifi.ifi_change == 0u);
}

TEST_CASE("link delete equals ip link del wga", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_link_delete");
  check_same(encode_link_delete(3), rec[0].bytes);
  check_ack(rec[1].bytes);
}

TEST_CASE("the kernel's RTM_NEWLINK for a WireGuard device decodes", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_link_get");
  LinkInfo info;
  REQUIRE(decode_link(rec[1].bytes, info));
  CHECK(info.ifindex == 3);
  CHECK(info.name == "wga");
  CHECK(info.kind == "wireguard");
  CHECK(info.mtu == 1380);
  CHECK((info.flags & IFF_UP) != 0);
  CHECK((info.flags & IFF_POINTOPOINT) != 0);
  SecureBytes req;
  REQUIRE(encode_link_get("wga", req));
  CHECK_FALSE(encode_link_get("a/b", req));
  CHECK_FALSE(encode_link_get("", req));
}

TEST_CASE("address add equals ip addr add 100.64.0.1/10 dev wga", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_addr_add");
  check_same(encode_address(RTM_NEWADDR, 3, v4(100, 64, 0, 1, 10)), rec[0].bytes);
  check_ack(rec[1].bytes);
}

TEST_CASE("the kernel's address dump decodes, IPv4 and IPv6", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_addr_dump");
  std::vector<AddressInfo> all;
  bool done = false;
  for (size_t i = 1; i < rec.size(); ++i) {
    for (const auto &m : messages_of(rec[i].bytes)) {
      Reply r;
      REQUIRE(classify(m, r));
      if (r.kind == Reply::Kind::kDone) {
        done = true;
        continue;
      }
      AddressInfo a;
      REQUIRE(decode_address(m, a));
      all.push_back(a);
    }
  }
  CHECK(done);
  REQUIRE(all.size() == 5);
  CHECK(all[0].ifindex == 1);
  CHECK(all[0].prefix == v4(127, 0, 0, 1, 8));
  CHECK(all[1].ifindex == 2);
  CHECK(all[1].prefix == v4(198, 51, 100, 1, 24));
  CHECK(all[2].ifindex == 3);
  CHECK(all[2].prefix == v4(100, 64, 0, 1, 10));
  CHECK(all[3].prefix.family == AF_INET6);  // ::1/128 on lo
  CHECK(all[3].prefix.prefix_len == 128);
  CHECK(all[3].prefix.addr[15] == 1);
  CHECK(all[4].ifindex == 2);  // the veth's link-local fe80::/64 address
  CHECK(all[4].prefix.addr[0] == 0xfe);
  CHECK(all[4].prefix.prefix_len == 64);
}

TEST_CASE("route add equals ip route add 100.96.0.0/16 dev wga proto static", "[rtnl]") {
  const auto rec = load_nlrec("rtnl_route_add");
  Route r;
  r.ifindex = 3;
  r.dst = v4(100, 96, 7, 9, 16);  // host bits are cleared
  check_same(encode_route(RTM_NEWROUTE, r), rec[0].bytes);
  check_ack(rec[1].bytes);

  // Our own request decodes back (the dump answer has the same layout).
  SecureBytes ours = encode_route(RTM_NEWROUTE, r);
  Route back;
  REQUIRE(decode_route(ours.span(), back));
  r.dst = masked(r.dst);
  CHECK(back == r);

  // Tables above 255 go in RTA_TABLE; a metric in RTA_PRIORITY.
  r.table = 1000;
  r.metric = 7;
  ours = encode_route(RTM_DELROUTE, r);
  REQUIRE(decode_route(ours.span(), back));
  CHECK(back == r);
}

}  // namespace
}  // namespace trellis::tunnel_kernel
