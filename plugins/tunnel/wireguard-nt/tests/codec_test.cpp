// SPDX-License-Identifier: Apache-2.0
// The configuration codec against wireguard-nt's documented layout, byte for
// byte. The expected buffers here are built from absolute offsets worked out
// by hand from wireguard.h's declarations (interface 80 bytes, peer 136,
// allowed IP 24, all 8-aligned, SOCKADDR_INET at peer offset 76), not from the
// plugin's own structs, so a wrong offset in nt_layout.hpp cannot agree with
// itself here.
#include <catch2/catch.hpp>

#include <cstring>
#include <initializer_list>
#include <vector>

#include <trellis/plugin.hpp>

#include "core/config_codec.hpp"

using namespace trellis::wgnt;
using Bytes = std::vector<uint8_t>;

namespace {

void put(Bytes &b, size_t off, std::initializer_list<uint8_t> v) {
  REQUIRE(off + v.size() <= b.size());
  std::copy(v.begin(), v.end(), b.begin() + static_cast<ptrdiff_t>(off));
}
void put_pattern(Bytes &b, size_t off, uint8_t first, size_t n = 32) {
  for (size_t i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(first + i);
}
void put_le16(Bytes &b, size_t off, uint16_t v) { put(b, off, {uint8_t(v), uint8_t(v >> 8)}); }
void put_le32(Bytes &b, size_t off, uint32_t v) {
  put(b, off, {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)});
}
void put_le64(Bytes &b, size_t off, uint64_t v) {
  put_le32(b, off, uint32_t(v));
  put_le32(b, off + 4, uint32_t(v >> 32));
}

template <size_t N>
std::array<uint8_t, N> pattern(uint8_t first) {
  std::array<uint8_t, N> a{};
  for (size_t i = 0; i < N; ++i) a[i] = static_cast<uint8_t>(first + i);
  return a;
}
SecretKey secret(uint8_t first) {
  uint8_t raw[kKeyLen];
  for (size_t i = 0; i < kKeyLen; ++i) raw[i] = static_cast<uint8_t>(first + i);
  return SecretKey(raw);
}
IpPrefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
  IpPrefix p;
  p.family = 4;
  p.prefix_len = len;
  p.addr[0] = a, p.addr[1] = b, p.addr[2] = c, p.addr[3] = d;
  return p;
}
IpPrefix v6(std::initializer_list<uint8_t> head, uint8_t len, uint8_t last = 0) {
  IpPrefix p;
  p.family = 6;
  p.prefix_len = len;
  std::copy(head.begin(), head.end(), p.addr.begin());
  p.addr[15] = last;
  return p;
}

long first_difference(const uint8_t *got, size_t got_len, const Bytes &want) {
  if (got_len != want.size()) return static_cast<long>(std::min(got_len, want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i]) return static_cast<long>(i);
  return -1;
}

// Two peers, three allowed IPs each, mixing IPv4 and IPv6, every flag used.
struct Sample {
  InterfaceUpdate iface;
  std::vector<PeerUpdate> peers;
};
Sample sample() {
  Sample s;
  s.iface.private_key = secret(0x10);
  s.iface.listen_port = 51820;
  s.iface.replace_peers = true;

  PeerUpdate a;
  a.public_key = pattern<32>(0xa0);
  a.preshared_key = secret(0x50);
  a.persistent_keepalive_s = 25;
  Endpoint ea;
  ea.family = 4;
  ea.port = 51820;
  ea.addr[0] = 203, ea.addr[1] = 0, ea.addr[2] = 113, ea.addr[3] = 7;
  a.endpoint = ea;
  a.replace_allowed_ips = true;
  a.allowed_ips = {{v4(100, 64, 0, 1, 32)}, {v4(198, 18, 0, 0, 15)},
                   {v6({0xfd, 0x00, 0x12, 0x34}, 48)}};

  PeerUpdate b;
  b.public_key = pattern<32>(0xc0);
  Endpoint eb;
  eb.family = 6;
  eb.port = 443;
  eb.addr[0] = 0x20, eb.addr[1] = 0x01, eb.addr[2] = 0x0d, eb.addr[3] = 0xb8, eb.addr[15] = 1;
  b.endpoint = eb;
  b.update_only = true;
  b.allowed_ips = {{v4(100, 64, 0, 2, 32)}, {v6({}, 0)}, {v4(198, 51, 100, 0, 24), true}};

  s.peers.push_back(std::move(a));
  s.peers.push_back(std::move(b));
  return s;
}

// The same configuration, by hand. Peer A at 80 (its allowed IPs at 216, 240,
// 264), peer B at 288 (allowed IPs at 424, 448, 472), end at 496.
Bytes expected_sample() {
  Bytes e(496, 0);
  // Interface: flags HAS_PRIVATE_KEY|HAS_LISTEN_PORT|REPLACE_PEERS, port, key, 2 peers.
  put_le32(e, 0, 0x2 | 0x4 | 0x8);
  put_le16(e, 4, 51820);
  put_pattern(e, 6, 0x10);
  put_le32(e, 72, 2);

  // Peer A: HAS_PUBLIC_KEY|HAS_PRESHARED_KEY|HAS_PERSISTENT_KEEPALIVE|HAS_ENDPOINT|REPLACE_ALLOWED_IPS.
  put_le32(e, 80, 0x01 | 0x02 | 0x04 | 0x08 | 0x20);
  put_pattern(e, 88, 0xa0);
  put_pattern(e, 120, 0x50);
  put_le16(e, 152, 25);
  put(e, 156, {2, 0, 0xca, 0x6c, 203, 0, 113, 7});  // AF_INET, port 51820 big-endian, address
  put_le32(e, 208, 3);
  put(e, 216, {100, 64, 0, 1});
  put(e, 232, {2, 0, 32, 0});
  put_le32(e, 236, 0);
  put(e, 240, {198, 18, 0, 0});
  put(e, 256, {2, 0, 15, 0});
  put(e, 264, {0xfd, 0x00, 0x12, 0x34});
  put(e, 280, {23, 0, 48, 0});  // AF_INET6 is 23 on Windows

  // Peer B: HAS_PUBLIC_KEY|HAS_ENDPOINT|UPDATE_ONLY.
  put_le32(e, 288, 0x01 | 0x08 | 0x80);
  put_pattern(e, 296, 0xc0);
  put(e, 364, {23, 0, 0x01, 0xbb});  // AF_INET6, port 443; flowinfo 0 at 368
  put(e, 372, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});  // scope 0 at 388
  put_le32(e, 416, 3);
  put(e, 424, {100, 64, 0, 2});
  put(e, 440, {2, 0, 32, 0});
  put(e, 464, {23, 0, 0, 0});  // ::/0
  put(e, 472, {198, 51, 100, 0});
  put(e, 488, {2, 0, 24, 0});
  put_le32(e, 492, 1);  // WIREGUARD_ALLOWED_IP_REMOVE
  return e;
}

}  // namespace

TEST_CASE("encode: two peers with three allowed IPs each, byte for byte", "[codec]") {
  Sample s = sample();
  REQUIRE(encoded_size(s.peers) == 496);
  WipedBuffer buf = encode_configuration(s.iface, s.peers);
  const Bytes want = expected_sample();
  REQUIRE(buf.size() == want.size());
  INFO("first differing byte at offset " << first_difference(buf.data(), buf.size(), want));
  REQUIRE(first_difference(buf.data(), buf.size(), want) == -1);
  REQUIRE(reinterpret_cast<uintptr_t>(buf.data()) % 8 == 0);
}

TEST_CASE("decode: the encoded sample parses back", "[codec]") {
  Sample s = sample();
  WipedBuffer buf = encode_configuration(s.iface, s.peers);
  InterfaceState st = decode_configuration(buf.bytes());
  CHECK_FALSE(st.public_key);  // a set request carries no public key
  REQUIRE(st.listen_port == 51820);
  REQUIRE(st.peers.size() == 2);

  const PeerState &a = st.peers[0];
  CHECK(a.public_key == pattern<32>(0xa0));
  CHECK(a.has_preshared_key);
  CHECK(a.persistent_keepalive_s == 25);
  REQUIRE(a.endpoint);
  CHECK(*a.endpoint == *s.peers[0].endpoint);
  REQUIRE(a.allowed_ips.size() == 3);
  CHECK(a.allowed_ips[0] == v4(100, 64, 0, 1, 32));
  CHECK(a.allowed_ips[1] == v4(198, 18, 0, 0, 15));
  CHECK(a.allowed_ips[2] == v6({0xfd, 0x00, 0x12, 0x34}, 48));

  const PeerState &b = st.peers[1];
  CHECK(b.public_key == pattern<32>(0xc0));
  CHECK_FALSE(b.has_preshared_key);
  CHECK(b.persistent_keepalive_s == 0);
  REQUIRE(b.endpoint);
  CHECK(*b.endpoint == *s.peers[1].endpoint);
  REQUIRE(b.allowed_ips.size() == 3);
  CHECK(b.allowed_ips[1] == v6({}, 0));
  CHECK(b.allowed_ips[2] == v4(198, 51, 100, 0, 24));
}

// What GetConfiguration returns: interface with both keys, one peer with
// counters, a handshake time and the protocol version in the reserved field.
Bytes driver_answer() {
  Bytes d(80 + 136 + 24, 0);
  put_le32(d, 0, 0x1 | 0x2 | 0x4);
  put_le16(d, 4, 40000);
  put_pattern(d, 6, 0x10);   // private key: must not come out
  put_pattern(d, 38, 0x70);  // public key
  put_le32(d, 72, 1);
  put_le32(d, 80, 0x01 | 0x02 | 0x04 | 0x08);
  put_le32(d, 84, 1);  // protocol version
  put_pattern(d, 88, 0xa0);
  put_pattern(d, 120, 0x50);
  put_le16(d, 152, 0);
  put(d, 156, {2, 0, 0x30, 0x39, 198, 51, 100, 9});  // 198.51.100.9:12345
  put_le64(d, 184, 1234567);                           // tx
  put_le64(d, 192, 7654321);                           // rx
  put_le64(d, 200, 133500000000000000ull);             // a FILETIME in 2024
  put_le32(d, 208, 1);
  put(d, 216, {100, 64, 0, 3});
  put(d, 232, {2, 0, 32, 0});
  return d;
}

TEST_CASE("decode: a driver answer with counters and handshake", "[codec]") {
  const Bytes d = driver_answer();
  InterfaceState st = decode_configuration(d);
  REQUIRE(st.public_key);
  CHECK(*st.public_key == pattern<32>(0x70));
  CHECK(st.listen_port == 40000);
  REQUIRE(st.peers.size() == 1);
  const PeerState &p = st.peers[0];
  CHECK(p.tx_bytes == 1234567);
  CHECK(p.rx_bytes == 7654321);
  CHECK(p.last_handshake_filetime == 133500000000000000ull);
  REQUIRE(p.endpoint);
  CHECK(p.endpoint->family == 4);
  CHECK(p.endpoint->port == 12345);
  CHECK(p.endpoint->addr[0] == 198);
  CHECK(p.endpoint->addr[3] == 9);
  REQUIRE(p.allowed_ips.size() == 1);
  CHECK(p.allowed_ips[0] == v4(100, 64, 0, 3, 32));
  CHECK(st.find(pattern<32>(0xa0)) == &st.peers[0]);
  CHECK(st.find(pattern<32>(0xa1)) == nullptr);
}

TEST_CASE("decode: every truncation of a valid answer is refused, none crashes", "[codec]") {
  const Bytes d = expected_sample();
  for (size_t n = 0; n < d.size(); ++n) {
    INFO("length " << n);
    try {
      (void)decode_configuration(std::span<const uint8_t>(d.data(), n));
      FAIL("a truncated buffer decoded");
    } catch (const trellis::sdk::Error &e) {
      CHECK(e.status() == TRELLIS_E_IO);
    }
  }
  CHECK_NOTHROW(decode_configuration(d));
}

TEST_CASE("decode: malformed records are TRELLIS_E_IO", "[codec]") {
  auto refuses = [](const Bytes &d, const char *needle) {
    try {
      (void)decode_configuration(d);
      FAIL("decoded");
    } catch (const trellis::sdk::Error &e) {
      CHECK(e.status() == TRELLIS_E_IO);
      CHECK_THAT(e.what(), Catch::Contains(needle));
    }
  };
  Bytes d = driver_answer();
  put(d, 232, {10, 0});  // Linux's AF_INET6 number
  refuses(d, "address family 10");
  d = driver_answer();
  put(d, 234, {33});
  refuses(d, "prefix length 33");
  d = driver_answer();
  put_le32(d, 80, 0x08);
  refuses(d, "no public key");
  d = driver_answer();
  put_le32(d, 208, 0xffffffff);
  refuses(d, "allowed IPs beyond the buffer");
  d = driver_answer();
  put_le32(d, 72, 2);
  refuses(d, "peer 1 of 2 is truncated");
}

TEST_CASE("encode: removing a peer sends only its key", "[codec]") {
  PeerUpdate p;
  p.public_key = pattern<32>(0x01);
  p.remove = true;
  p.preshared_key = secret(0x40);
  p.allowed_ips = {{v4(100, 64, 0, 9, 32)}};
  InterfaceUpdate none;
  WipedBuffer buf = encode_configuration(none, std::span<const PeerUpdate>(&p, 1));
  Bytes want(80 + 136, 0);
  put_le32(want, 72, 1);
  put_le32(want, 80, 0x01 | 0x40);  // HAS_PUBLIC_KEY|REMOVE
  put_pattern(want, 88, 0x01);
  REQUIRE(first_difference(buf.data(), buf.size(), want) == -1);
}

TEST_CASE("encode: a keepalive of zero is sent (it turns keepalive off)", "[codec]") {
  PeerUpdate p;
  p.persistent_keepalive_s = 0;
  WipedBuffer buf = encode_configuration({}, std::span<const PeerUpdate>(&p, 1));
  CHECK(buf.data()[80] == (0x01 | 0x04));
}

TEST_CASE("encode: invalid prefixes and endpoints are TRELLIS_E_INVALID", "[codec]") {
  PeerUpdate p;
  p.allowed_ips = {{v4(100, 64, 0, 1, 33)}};
  auto status_of = [&] {
    try {
      (void)encode_configuration({}, std::span<const PeerUpdate>(&p, 1));
    } catch (const trellis::sdk::Error &e) {
      return e.status();
    }
    return static_cast<trellis_status>(TRELLIS_OK);
  };
  CHECK(status_of() == TRELLIS_E_INVALID);
  p.allowed_ips = {{v6({0xfd}, 129)}};
  CHECK(status_of() == TRELLIS_E_INVALID);
  p.allowed_ips.clear();
  Endpoint e;
  e.family = 5;
  e.port = 1;
  p.endpoint = e;
  CHECK(status_of() == TRELLIS_E_INVALID);
  p.endpoint->family = 4;
  p.endpoint->port = 0;
  CHECK(status_of() == TRELLIS_E_INVALID);
  p.endpoint->port = 9;
  CHECK(status_of() == TRELLIS_OK);
}

TEST_CASE("sockaddr_inet: both families round-trip, others are none", "[codec]") {
  uint8_t raw[kSockaddrInetLen];
  Endpoint e;
  e.family = 6;
  e.port = 0xfffe;
  for (int i = 0; i < 16; ++i) e.addr[i] = static_cast<uint8_t>(0xf0 + i);
  encode_sockaddr_inet(e, raw);
  CHECK(raw[0] == 23);
  CHECK(raw[2] == 0xff);
  CHECK(raw[3] == 0xfe);
  CHECK(raw[8] == 0xf0);
  CHECK(raw[23] == 0xff);
  REQUIRE(decode_sockaddr_inet(raw));
  CHECK(*decode_sockaddr_inet(raw) == e);
  raw[0] = 0;  // AF_UNSPEC
  CHECK_FALSE(decode_sockaddr_inet(raw));
}
