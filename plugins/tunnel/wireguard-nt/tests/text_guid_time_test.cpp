// SPDX-License-Identifier: Apache-2.0
// The small portable pieces: FILETIME conversion, UTF-8/UTF-16, adapter GUIDs,
// prefix validation, canonical form, text and set difference, key wiping.
#include <catch2/catch.hpp>

#include <limits>

#include <trellis/plugin.hpp>

#include "core/filetime.hpp"
#include "core/guid.hpp"
#include "core/prefix.hpp"
#include "core/text.hpp"

using namespace trellis::wgnt;

namespace {
IpPrefix prefix(uint8_t family, std::initializer_list<uint8_t> head, uint8_t len) {
  IpPrefix p;
  p.family = family;
  p.prefix_len = len;
  std::copy(head.begin(), head.end(), p.addr.begin());
  return p;
}
}  // namespace

TEST_CASE("filetime: known instants", "[time]") {
  CHECK(filetime_to_unix_ns(0) == 0);  // never
  CHECK(filetime_to_unix_ns(kFiletimeUnixEpoch) == 1);  // the epoch itself is not "never"
  CHECK(filetime_to_unix_ns(kFiletimeUnixEpoch + 1) == 100);
  // 2024-01-01T00:00:00Z = 1704067200 s = FILETIME 133485408000000000.
  CHECK(filetime_to_unix_ns(133485408000000000ull) == 1704067200ll * 1'000'000'000);
  CHECK(unix_ns_to_filetime(1704067200ll * 1'000'000'000) == 133485408000000000ull);
  CHECK(unix_ns_to_filetime(0) == 0);
  CHECK(unix_ns_to_filetime(-1) == kFiletimeUnixEpoch - 1);  // rounds toward the past
  CHECK(filetime_to_unix_ns(kFiletimeUnixEpoch - 1) == -100);
  CHECK(filetime_to_unix_ns(1) == std::numeric_limits<int64_t>::min());  // 1601: before 1677
  CHECK(filetime_to_unix_ns(std::numeric_limits<uint64_t>::max()) ==
        std::numeric_limits<int64_t>::max());
  for (int64_t ns : {int64_t{100}, int64_t{1'700'000'000'123'456'700}, int64_t{-5'000'000'000}})
    CHECK(filetime_to_unix_ns(unix_ns_to_filetime(ns)) == ns);
}

TEST_CASE("text: UTF-8 to UTF-16 and back", "[text]") {
  const std::string s = "wg\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  // é € 😀
  const std::u16string w = utf8_to_utf16(s, "x");
  CHECK(w == u"wg\u00e9\u20ac\U0001F600");
  CHECK(utf16_to_utf8(w) == s);
  CHECK(utf16_to_utf8(u"a\xd800z") == "a\xef\xbf\xbdz");  // lone surrogate -> U+FFFD
  for (const char *bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"}) {
    INFO(bad);
    CHECK_THROWS_AS(utf8_to_utf16(bad, "x"), trellis::sdk::Error);
  }
  CHECK(adapter_name("wg0", "ifname") == u"wg0");
  CHECK_THROWS_WITH(adapter_name("", "ifname"), Catch::Contains("ifname: empty"));
  CHECK_THROWS_WITH(adapter_name(std::string("a\0b", 3), "ifname"), Catch::Contains("NUL"));
  // 127 UTF-16 units fit; a character outside the BMP counts twice.
  CHECK_NOTHROW(adapter_name(std::string(125, 'a') + "\xf0\x9f\x98\x80", "ifname"));
  CHECK_THROWS(adapter_name(std::string(126, 'a') + "\xf0\x9f\x98\x80", "ifname"));
}

TEST_CASE("text: base64 (RFC 4648 §10 vectors and a WireGuard key)", "[text]") {
  auto b64 = [](std::string_view s) {
    return base64({reinterpret_cast<const uint8_t *>(s.data()), s.size()});
  };
  CHECK(b64("") == "");
  CHECK(b64("f") == "Zg==");
  CHECK(b64("fo") == "Zm8=");
  CHECK(b64("foo") == "Zm9v");
  CHECK(b64("foob") == "Zm9vYg==");
  CHECK(b64("fooba") == "Zm9vYmE=");
  CHECK(b64("foobar") == "Zm9vYmFy");
  std::array<uint8_t, 32> key{};
  key.fill(0xff);
  CHECK(base64(key) == "//////////////////////////////////////////8=");
}

TEST_CASE("guid: parse, format, derive", "[guid]") {
  auto g = parse_guid("{5FB7E9F5-1F36-4A3A-8E2B-0C6D8A4B1E7F}");
  REQUIRE(g);
  CHECK(g->data1 == 0x5fb7e9f5u);
  CHECK(g->data2 == 0x1f36);
  CHECK(g->data3 == 0x4a3a);
  CHECK(g->data4 == std::array<uint8_t, 8>{0x8e, 0x2b, 0x0c, 0x6d, 0x8a, 0x4b, 0x1e, 0x7f});
  CHECK(format_guid(*g) == "{5FB7E9F5-1F36-4A3A-8E2B-0C6D8A4B1E7F}");
  CHECK(parse_guid("5fb7e9f5-1f36-4a3a-8e2b-0c6d8a4b1e7f") == g);
  for (const char *bad : {"", "{5FB7E9F5-1F36-4A3A-8E2B-0C6D8A4B1E7F", "5FB7E9F5+1F36-4A3A-8E2B-0C6D8A4B1E7F",
                          "5FB7E9F5-1F36-4A3A-8E2B-0C6D8A4B1E7G", "{5FB7E9F5-1F36-4A3A-8E2B-0C6D8A4B1E7FF}"}) {
    INFO(bad);
    CHECK_FALSE(parse_guid(bad));
  }
  const Guid a = derive_adapter_guid("Trellis", "wg0");
  CHECK(a == derive_adapter_guid("Trellis", "wg0"));
  CHECK_FALSE(a == derive_adapter_guid("Trellis", "wg1"));
  CHECK_FALSE(derive_adapter_guid("ab", "c") == derive_adapter_guid("a", "bc"));
  CHECK((a.data3 >> 12) == 8);          // UUID version 8
  CHECK((a.data4[0] & 0xc0) == 0x80);   // RFC 9562 variant
  CHECK(parse_guid(format_guid(a)) == a);
}

TEST_CASE("prefix: validation and canonical form", "[prefix]") {
  CHECK_NOTHROW(validate_prefix(prefix(4, {100, 64}, 10), "p"));
  CHECK_NOTHROW(validate_prefix(prefix(6, {0xfd}, 128), "p"));
  CHECK_THROWS_WITH(validate_prefix(prefix(4, {100}, 33), "route"), Catch::Contains("route: prefix length 33"));
  CHECK_THROWS_WITH(validate_prefix(prefix(10, {}, 0), "route"), Catch::Contains("family 10"));
  CHECK_THROWS(validate_prefix(prefix(4, {100, 64, 0, 1, 9}, 32), "route"));
  CHECK(canonical(prefix(4, {100, 127, 255, 255}, 10)) == prefix(4, {100, 64}, 10));
  CHECK(canonical(prefix(4, {198, 51, 100, 77}, 32)) == prefix(4, {198, 51, 100, 77}, 32));
  CHECK(canonical(prefix(4, {198, 51, 100, 77}, 0)) == prefix(4, {}, 0));
  CHECK(canonical(prefix(6, {0xfd, 0x12, 0x34, 0x56, 0xff}, 33)) == prefix(6, {0xfd, 0x12, 0x34, 0x56, 0x80}, 33));
  CHECK(is_link_local(prefix(6, {0xfe, 0x80}, 64)));
  CHECK(is_link_local(prefix(6, {0xfe, 0xbf}, 64)));
  CHECK_FALSE(is_link_local(prefix(6, {0xfe, 0xc0}, 64)));
  CHECK(is_link_local(prefix(4, {169, 254, 3, 4}, 16)));
  CHECK_FALSE(is_link_local(prefix(4, {100, 64, 0, 1}, 10)));
}

TEST_CASE("prefix: text", "[prefix]") {
  CHECK(to_string(prefix(4, {100, 64, 0, 1}, 10)) == "100.64.0.1/10");
  CHECK(to_string(prefix(6, {}, 0)) == "::/0");
  CHECK(to_string(prefix(6, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 64)) == "fd00::1/64");
  CHECK(to_string(prefix(6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, 128)) ==
        "2001:db8:0:1::1/128");  // RFC 5952 §4.2.3: the longer run is compressed
  CHECK(to_string(prefix(6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, 128)) ==
        "2001:db8::1:0:0:1/128");  // RFC 5952 §4.2.3: the first of two equal runs
  CHECK(to_string(prefix(6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 128)) ==
        "2001:db8:0:1:1:1:1:1/128");  // RFC 5952 §4.2.2: one zero group is not compressed
  Endpoint e;
  e.family = 6;
  e.port = 443;
  e.addr[0] = 0xfd, e.addr[15] = 1;
  CHECK(to_string(e) == "[fd00::1]:443");
  e.family = 4;
  e.addr = {203, 0, 113, 5};
  e.port = 51820;
  CHECK(to_string(e) == "203.0.113.5:51820");
}

TEST_CASE("prefix: diff for replace-all", "[prefix]") {
  const IpPrefix a = prefix(4, {100, 64, 0, 1}, 10), b = prefix(4, {100, 64, 0, 2}, 10),
                 a16 = prefix(4, {100, 64, 0, 1}, 16), v6 = prefix(6, {0xfd}, 64);
  PrefixDiff d = diff_prefixes({a, b, b}, {b, a16, v6, v6});
  CHECK(d.remove == std::vector<IpPrefix>{a});
  CHECK(d.add == std::vector<IpPrefix>{a16, v6});
  d = diff_prefixes({}, {});
  CHECK(d.remove.empty());
  CHECK(d.add.empty());
}

TEST_CASE("secure: wipe and buffers", "[secure]") {
  uint8_t raw[32];
  for (auto &b : raw) b = 0xaa;
  secure_wipe(raw, sizeof raw);
  for (auto b : raw) CHECK(b == 0);
  WipedBuffer buf(13);
  CHECK(buf.size() == 13);
  for (size_t i = 0; i < buf.size(); ++i) CHECK(buf.data()[i] == 0);
  buf.data()[12] = 7;
  WipedBuffer moved = std::move(buf);
  CHECK(buf.size() == 0);
  CHECK(moved.data()[12] == 7);
  moved.resize(40);
  CHECK(moved.data()[12] == 0);
}
