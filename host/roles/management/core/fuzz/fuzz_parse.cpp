// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for the management core's parsers of untrusted text: REST
// API records (the first input byte picks the record type) and, for agents, the
// network map and delta. Beyond not crashing, every accepted document must
// survive to_json -> parse unchanged, and an accepted delta applied to an
// accepted map must either fit or be refused without changing the map.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../netmap.hpp"
#include "../records.hpp"

namespace {

using namespace trellis::mgmt;

template <typename Record>
void round_trip(std::string_view text) {
  Record r;
  if (!parse_text(text, r).empty()) return;
  Record back;
  if (!parse(to_json(r), back).empty() || to_json(back) != to_json(r)) std::abort();
}

void map_and_delta(std::string_view text) {
  // "<map>\n<delta>": both parsed; the delta applied to the map.
  size_t cut = text.find('\n');
  PeerMap map;
  if (!parse_map_text(text.substr(0, cut), map).empty()) return;
  PeerMap back;
  if (!parse_map(to_json(map), back).empty() || !(back == map)) std::abort();
  if (cut == std::string_view::npos) return;
  MapDelta delta;
  if (!parse_delta_text(text.substr(cut + 1), delta).empty()) return;
  MapDelta delta_back;
  if (!parse_delta(to_json(delta), delta_back).empty() || !(delta_back == delta)) std::abort();
  const PeerMap before = map;
  if (!apply_delta(map, delta).empty() && !(map == before)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char *>(data) + 1, size - 1);
  switch (data[0] % 11) {
    case 0: round_trip<Account>(text); break;
    case 1: round_trip<User>(text); break;
    case 2: round_trip<Peer>(text); break;
    case 3: round_trip<Group>(text); break;
    case 4: round_trip<Policy>(text); break;
    case 5: round_trip<SetupKey>(text); break;
    case 6: round_trip<Route>(text); break;
    case 7: round_trip<DnsSettings>(text); break;
    case 8: round_trip<Event>(text); break;
    case 9: round_trip<Token>(text); break;
    default: map_and_delta(text); break;
  }
  return 0;
}
