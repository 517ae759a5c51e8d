// SPDX-License-Identifier: Apache-2.0
// WG_CMD_SET_DEVICE / WG_CMD_GET_DEVICE against recorded traffic: our requests
// equal wireguard-tools' (v1.0.20210914) byte for byte, including how a peer
// with 400 allowed IPs is split over three 4096-byte requests; the kernel's
// (6.1.0-56-amd64) GET_DEVICE dump decodes to the device `wg show` printed.
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include <catch2/catch.hpp>

#include "core/nl_message.hpp"
#include "core/wg_genl.hpp"
#include "nlrec.hpp"

namespace trellis::tunnel_kernel {
namespace {

using test::hex;
using test::key_from_base64;
using test::load_nlrec;
using test::messages_of;
using test::without_seq;

constexpr uint16_t kRecordedFamily = 0x20;  // the id the VM's kernel gave "wireguard"

IpPrefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
  IpPrefix p;
  p.family = AF_INET;
  p.prefix_len = len;
  p.addr[0] = a, p.addr[1] = b, p.addr[2] = c, p.addr[3] = d;
  return p;
}

IpPrefix v6(const char *text, uint8_t len) {
  IpPrefix p;
  p.family = AF_INET6;
  p.prefix_len = len;
  REQUIRE(inet_pton(AF_INET6, text, p.addr.data()) == 1);
  return p;
}

Endpoint endpoint4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  Endpoint e;
  e.family = AF_INET;
  e.port = port;
  e.addr[0] = a, e.addr[1] = b, e.addr[2] = c, e.addr[3] = d;
  return e;
}

SecretKey secret(const char *b64) {
  const auto k = key_from_base64(b64);
  return SecretKey(std::span<const uint8_t, kKeyLen>(k));
}

// The 400 addresses of the split recording: 100.65.<i/250>.<i%250+1>/32.
std::vector<IpPrefix> recorded_many() {
  std::vector<IpPrefix> v;
  for (int i = 0; i < 400; ++i) v.push_back(v4(100, 65, i / 250, i % 250 + 1, 32));
  return v;
}

bool less(const IpPrefix &a, const IpPrefix &b) {
  return std::tie(a.family, a.addr, a.prefix_len) < std::tie(b.family, b.addr, b.prefix_len);
}

TEST_CASE("SET_DEVICE equals wg set's request byte for byte", "[wg_genl]") {
  const auto rec = load_nlrec("wg_set_device");
  REQUIRE(rec.size() == 2);
  REQUIRE(rec[0].sent);

  Device dev;
  dev.has = Device::kIfname | Device::kPrivateKey | Device::kListenPort | Device::kFwmark;
  dev.ifname = "wga";
  dev.private_key = secret("KOehU5XNqDv3wTy9HPtn3rW2aJ1qGwXI2YHohCNA52k=");
  dev.listen_port = 51820;
  dev.fwmark = 0x1234;
  Peer p;
  p.has = Peer::kPresharedKey | Peer::kEndpoint | Peer::kKeepalive | Peer::kFlags;
  p.public_key = key_from_base64("WgOxmvN//I5NvuBN+YOxUmq6/IYY/DHrrf5TyEusoDk=");
  p.preshared_key = secret("oMxREJSj7NWpz/JKcWvi3d5bcJGkoJo4XNtPdaOhM34=");
  p.endpoint = endpoint4(198, 51, 100, 2, 51821);
  p.keepalive_s = 25;
  p.flags = WGPEER_F_REPLACE_ALLOWEDIPS;
  p.allowed_ips = {v4(100, 64, 0, 2, 32), v6("::ffff:198.51.100.0", 120)};
  dev.peers.push_back(p);

  std::vector<SecureBytes> out;
  REQUIRE(encode_set_device(dev, kRecordedFamily, 4096, out));
  REQUIRE(out.size() == 1);
  const auto ours = without_seq(out[0].span());
  const auto theirs = without_seq(rec[0].bytes);
  INFO("ours:\n" << hex(ours) << "\nwg's:\n" << hex(theirs));
  CHECK(ours == theirs);

  // And it decodes back to what we encoded.
  DeviceDecoder d;
  REQUIRE(d.consume(out[0].span()));
  CHECK(d.device() == dev);

  Reply ack;
  REQUIRE(classify(rec[1].bytes, ack));
  CHECK(ack.kind == Reply::Kind::kAck);
}

TEST_CASE("a peer with 400 allowed IPs splits exactly where wg splits it", "[wg_genl]") {
  const auto rec = load_nlrec("wg_set_device_split");
  std::vector<std::vector<uint8_t>> theirs;
  for (const auto &r : rec) {
    if (r.sent) theirs.push_back(without_seq(r.bytes));
  }
  REQUIRE(theirs.size() == 3);

  Device dev;
  dev.has = Device::kIfname;
  dev.ifname = "wga";
  Peer p;
  p.has = Peer::kFlags;
  p.flags = WGPEER_F_REPLACE_ALLOWEDIPS;
  p.public_key = key_from_base64("2zvLVWjZQD53oDJXHAbtoCu1GPb4fhlR4mgJQbLDMnU=");
  p.allowed_ips = recorded_many();
  dev.peers.push_back(p);

  std::vector<SecureBytes> out;
  REQUIRE(encode_set_device(dev, kRecordedFamily, 4096, out));
  REQUIRE(out.size() == theirs.size());
  DeviceDecoder d;
  for (size_t i = 0; i < out.size(); ++i) {
    INFO("request " << i);
    CHECK(out[i].size() <= 4096);
    CHECK(without_seq(out[i].span()) == theirs[i]);
    REQUIRE(d.consume(out[i].span()));
  }
  // Flags only in the first part; the decoder merges the continuations.
  CHECK(d.device() == dev);
}

TEST_CASE("GET_DEVICE request equals wg show's", "[wg_genl]") {
  const auto rec = load_nlrec("wg_get_device");
  Device q;
  q.has = Device::kIfname;
  q.ifname = "wga";
  SecureBytes out;
  REQUIRE(encode_get_device(q, kRecordedFamily, out));
  CHECK(without_seq(out.span()) == without_seq(rec[0].bytes));
}

TEST_CASE("the kernel's GET_DEVICE dump decodes to what wg show printed", "[wg_genl]") {
  const auto rec = load_nlrec("wg_get_device");
  REQUIRE(rec.size() == 4);
  DeviceDecoder d;
  bool done = false;
  for (size_t i = 1; i < rec.size(); ++i) {
    REQUIRE_FALSE(rec[i].sent);
    for (const auto &m : messages_of(rec[i].bytes)) {
      Reply r;
      REQUIRE(classify(m, r));
      if (r.kind == Reply::Kind::kDone) {
        done = true;
        continue;
      }
      REQUIRE(r.kind == Reply::Kind::kData);
      REQUIRE(d.consume(m));
    }
  }
  CHECK(done);
  CHECK(d.messages() == 3);
  const Device &dev = d.device();
  CHECK(dev.ifindex == 3);
  CHECK(dev.ifname == "wga");
  CHECK(dev.private_key == secret("KOehU5XNqDv3wTy9HPtn3rW2aJ1qGwXI2YHohCNA52k="));
  CHECK(dev.public_key == key_from_base64("WZjJps3isQ0Jj3xI7J6+/rCsxumPiRIfF7WEtWUFkAM="));
  CHECK(dev.listen_port == 51820);
  CHECK(dev.fwmark == 0x1234);
  REQUIRE(dev.peers.size() == 2);

  // wg show wga dump: <key> <psk> 198.51.100.2:51821 <ips> 1795612022 348 436 25
  const Peer &b = dev.peers[0];
  CHECK(b.public_key == key_from_base64("WgOxmvN//I5NvuBN+YOxUmq6/IYY/DHrrf5TyEusoDk="));
  CHECK(b.preshared_key == secret("oMxREJSj7NWpz/JKcWvi3d5bcJGkoJo4XNtPdaOhM34="));
  CHECK(b.endpoint == endpoint4(198, 51, 100, 2, 51821));
  CHECK(b.last_handshake_sec == 1795612022);
  CHECK(b.rx_bytes == 348);
  CHECK(b.tx_bytes == 436);
  CHECK(b.keepalive_s == 25);
  CHECK(b.protocol_version == 1);
  CHECK(b.allowed_ips == std::vector<IpPrefix>{v4(100, 64, 0, 2, 32), v6("::ffff:198.51.100.0", 120)});

  // Peer C spans all three messages; the kernel returns its IPs in trie order.
  const Peer &c = dev.peers[1];
  CHECK(c.public_key == key_from_base64("2zvLVWjZQD53oDJXHAbtoCu1GPb4fhlR4mgJQbLDMnU="));
  CHECK(c.endpoint.family == 0);
  CHECK(c.last_handshake_sec == 0);
  auto got = c.allowed_ips;
  auto want = recorded_many();
  std::sort(got.begin(), got.end(), less);
  std::sort(want.begin(), want.end(), less);
  CHECK(got == want);
}

TEST_CASE("GET_DEVICE of a missing device is -ENODEV", "[wg_genl]") {
  const auto rec = load_nlrec("wg_get_device_nodev");
  Reply r;
  REQUIRE(classify(rec[1].bytes, r));
  CHECK(r.kind == Reply::Kind::kError);
  CHECK(r.error == -ENODEV);
}

TEST_CASE("the decoder refuses malformed device messages and keeps its state", "[wg_genl]") {
  const auto rec = load_nlrec("wg_get_device");
  const auto first = messages_of(rec[1].bytes).at(0);
  DeviceDecoder d;

  SECTION("an attribute running past the message") {
    // Cut the message in the middle of its last attribute.
    std::vector<uint8_t> cut(first.begin(), first.end() - 3);
    Status s = d.consume(cut);
    CHECK_FALSE(s);
    CHECK(s.code() == Status::Code::kMalformed);
    CHECK(d.device() == Device{});
  }
  SECTION("a public key of the wrong length") {
    MessageWriter w(256, kRecordedFamily, 0);
    w.put_header<genlmsghdr>()->cmd = WG_CMD_GET_DEVICE;
    nlattr *peers = w.nest_start(WGDEVICE_A_PEERS);
    nlattr *peer = w.nest_start(0);
    const uint8_t short_key[31] = {};
    w.put(WGPEER_A_PUBLIC_KEY, short_key, sizeof(short_key));
    w.nest_end(peer);
    w.nest_end(peers);
    SecureBytes m = w.finish();
    Status s = d.consume(m.span());
    CHECK_FALSE(s);
    CHECK_THAT(s.message(), Catch::Contains("WGPEER_A_PUBLIC_KEY is 31 bytes, want 32"));
  }
  SECTION("an allowed IP whose mask is longer than its family allows") {
    MessageWriter w(256, kRecordedFamily, 0);
    w.put_header<genlmsghdr>()->cmd = WG_CMD_GET_DEVICE;
    nlattr *peers = w.nest_start(WGDEVICE_A_PEERS);
    nlattr *peer = w.nest_start(0);
    const PublicKey key{1};
    w.put(WGPEER_A_PUBLIC_KEY, key.data(), key.size());
    nlattr *ips = w.nest_start(WGPEER_A_ALLOWEDIPS);
    nlattr *ip = w.nest_start(0);
    const uint8_t addr[4] = {100, 64, 0, 1};
    w.put_u16(WGALLOWEDIP_A_FAMILY, AF_INET);
    w.put(WGALLOWEDIP_A_IPADDR, addr, 4);
    w.put_u8(WGALLOWEDIP_A_CIDR_MASK, 33);
    w.nest_end(ip);
    w.nest_end(ips);
    w.nest_end(peer);
    w.nest_end(peers);
    SecureBytes m = w.finish();
    CHECK_FALSE(d.consume(m.span()));
    CHECK(d.device().peers.empty());
  }
  SECTION("a message of another command") {
    MessageWriter w(64, kRecordedFamily, 0);
    w.put_header<genlmsghdr>()->cmd = 7;
    SecureBytes m = w.finish();
    CHECK_FALSE(d.consume(m.span()));
  }
  // Whatever was refused, the good message still decodes afterwards.
  REQUIRE(d.consume(first));
  CHECK(d.device().ifname == "wga");
}

TEST_CASE("SET_DEVICE refuses what it cannot encode", "[wg_genl]") {
  Device dev;
  dev.has = Device::kIfname;
  dev.ifname = "wga";
  std::vector<SecureBytes> out;

  SECTION("no device identity") {
    Device anon;
    CHECK_FALSE(encode_set_device(anon, 0x20, 4096, out));
  }
  SECTION("an over-long interface name") {
    dev.ifname = "sixteen-chars-xx";
    CHECK_FALSE(encode_set_device(dev, 0x20, 4096, out));
  }
  SECTION("an invalid allowed IP") {
    Peer p;
    p.allowed_ips = {v4(100, 64, 0, 0, 33)};
    dev.peers.push_back(p);
    CHECK_FALSE(encode_set_device(dev, 0x20, 4096, out));
  }
  SECTION("a message too small for one peer") {
    Peer p;
    p.has = Peer::kPresharedKey;
    dev.peers.push_back(p);
    const Status s = encode_set_device(dev, 0x20, 80, out);
    CHECK_FALSE(s);
    CHECK_THAT(s.message(), Catch::Contains("cannot hold peer 0"));
  }
  CHECK(out.empty());
}

}  // namespace
}  // namespace trellis::tunnel_kernel
