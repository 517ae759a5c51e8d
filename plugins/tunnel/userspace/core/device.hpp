// SPDX-License-Identifier: Apache-2.0
// The WireGuard device core: peers, the allowed-IPs table, the session index
// table, cookies and rate limiting, handshakes, timers and the data path, fed
// with events and producing actions, with no I/O and no clock of its own.
//
// Inputs:  on_datagram(source, bytes, now)   a UDP datagram or packet-path frame
//          on_tun_packet(ip packet, now)      a packet read from the TUN device
//          on_timer(now)                      at or after next_deadline()
// Actions: Output::send(endpoint, bytes)      a datagram to a peer
//          Output::deliver(ip packet)         a decrypted packet for the TUN
//          Output::on_event(event)            handshake complete, endpoint
//                                             changed, peer stale
// `now` is a monotonic clock in nanoseconds; wall time (TAI64N timestamps and
// the last-handshake statistic) comes from the WallClock. Spans passed to
// Output are borrowed for the call.
//
// Threading: all Device and Peer methods run one at a time (the I/O layer's
// lock or loop). For throughput the data path splits into
//   send:    route() -> reserve_send(peer, n) -> Keypair::seal (workers, any
//            thread, no locks) -> Output/sendmmsg -> commit_sent(peer, ...)
//   receive: lookup_receive(datagram) -> Keypair::open (workers) ->
//            commit_received(ticket, ...) in per-peer arrival order
// where only the Keypair calls run outside the serialised section. The
// convenience path on_datagram/on_tun_packet does the same in one call.
// Nothing on the data path allocates: the device encrypts into its own
// preallocated buffers, and the split path into the caller's.
//
// Output callbacks must not call back into the Device (the device may be in
// the middle of walking its peers). Peer pointers, and the Peer inside a
// ReceiveTicket, stay valid until remove_peer: the I/O layer finishes or drops
// a peer's in-flight batches before removing it. next_deadline() and on_timer
// walk all peers, which is fine for mesh sizes (hundreds of peers).
//
// Every refused input is counted once under a DropReason; none throws.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/aead.hpp"
#include "core/allowed_ips.hpp"
#include "core/cookie.hpp"
#include "core/endpoint.hpp"
#include "core/noise.hpp"
#include "core/peer.hpp"
#include "core/random.hpp"
#include "core/rate_limiter.hpp"
#include "core/tai64n.hpp"

namespace trellis::wg {

enum class DropReason : uint8_t {
  too_short,             // datagram shorter than 4 bytes
  unknown_type,          // type byte not 1..4
  bad_reserved,          // reserved bytes not zero
  bad_length,            // wrong length for its type (truncated / oversized)
  no_private_key,        // the device has no key yet
  bad_mac1,              // handshake message with a wrong mac1
  cookie_required,       // under load without a valid mac2: answered with a cookie
  ratelimited,           // under load, over the per-source handshake rate
  unknown_peer_key,      // initiation from a static key that is not a peer
  handshake_invalid,     // handshake message failed to decrypt or fit our state
  replayed_initiation,   // initiation timestamp not newer than the last one
  initiation_flood,      // initiations from one peer faster than 50/s
  unknown_index,         // receiver index names no session or handshake
  bad_cookie_reply,      // cookie reply that does not answer our last mac1
  session_expired,       // data for a keypair past REJECT_AFTER_TIME/_MESSAGES
  decrypt_failure,       // data packet failed authentication
  replay,                // counter already seen or older than the window
  bad_inner_packet,      // decrypted payload is not a sane IPv4/IPv6 packet
  allowed_ips_mismatch,  // decrypted source address not allowed for that peer
  bad_tun_packet,        // TUN packet without a sane IP header
  no_route,              // no peer's allowed IPs cover the destination
  packet_too_big,        // TUN packet longer than the MTU
  no_endpoint,           // peer has no endpoint to send to
  staged_overflow,       // staged queue full: oldest packet dropped
  count_
};
inline constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::count_);
const char *to_string(DropReason r);

struct DeviceConfig {
  Limits limits{};
  size_t mtu = 1420;  // largest TUN packet; 0 = unchecked
  size_t max_staged_packets = kMaxStagedPackets;
  size_t rate_limiter_buckets = 1024;  // x8 entries
  AeadBackend backend = kDataPathBackend;
};

// Upsert of a peer; absent optionals leave the current value (like `wg set`).
struct PeerConfig {
  PublicKey public_key{};
  std::optional<SecretKey> preshared_key;
  std::optional<Endpoint> endpoint;
  std::optional<uint16_t> persistent_keepalive_s;
  std::vector<IpPrefix> allowed_ips;
  bool replace_allowed_ips = false;
};

struct Event {
  enum class Type : uint8_t { handshake_complete, endpoint_changed, peer_stale };
  Type type = Type::handshake_complete;
  PublicKey peer{};
  Endpoint endpoint;
};

class Output {
 public:
  virtual ~Output() = default;
  virtual void send(const Endpoint &to, std::span<const uint8_t> datagram) = 0;
  virtual void deliver(std::span<const uint8_t> ip_packet) = 0;
  virtual void on_event(const Event &event) = 0;
};

// Counters reserved for a batch of outbound packets on one keypair.
struct SendReservation {
  std::shared_ptr<Keypair> keypair;
  uint64_t first_counter = 0;
  uint32_t count = 0;
  Endpoint endpoint;
};

// A transport datagram matched to its session, ready to decrypt.
struct ReceiveTicket {
  Peer *peer = nullptr;
  std::shared_ptr<Keypair> keypair;
  uint64_t counter = 0;
};

enum class RxVerdict : uint8_t { deliver, keepalive, dropped };

class Device {
 public:
  Device(const DeviceConfig &config, Output &output, const WallClock &wall, RandomSource &rng);
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  // ---- Configuration ----
  // False if the key is unusable. A peer with the same public key is removed;
  // all sessions are invalidated for sending and handshakes restart.
  bool set_private_key(const SecretKey &key);
  const PublicKey &public_key() const { return identity_.public_key; }
  bool has_private_key() const { return identity_.has_key; }
  void set_mtu(size_t mtu) { config_.mtu = mtu; }
  size_t mtu() const { return config_.mtu; }
  const Limits &limits() const { return config_.limits; }

  // Null if the key is our own public key.
  Peer *upsert_peer(const PeerConfig &config, uint64_t now);
  bool remove_peer(const PublicKey &key);
  Peer *find_peer(const PublicKey &key) const;
  std::vector<Peer *> peers() const;
  std::vector<IpPrefix> allowed_ips(const Peer &peer) const { return allowed_ips_.list(&peer); }

  // The I/O layer reports its queue of unprocessed handshake messages; from
  // kUnderLoadBacklog on (and for 1 s after) mac2 cookies are required.
  void set_handshake_backlog(size_t queued, uint64_t now);
  bool under_load(uint64_t now);

  // ---- Convenience path ----
  void on_datagram(const Endpoint &from, std::span<const uint8_t> datagram, uint64_t now);
  void on_tun_packet(std::span<const uint8_t> ip_packet, uint64_t now);
  // Send one packet to a known peer: directly when a session is up, staged
  // (and a handshake started) otherwise.
  void send_packet(Peer &peer, std::span<const uint8_t> ip_packet, uint64_t now);
  void on_timer(uint64_t now);
  // Earliest timer deadline; UINT64_MAX when none.
  uint64_t next_deadline() const;

  // ---- Split data path (see top of file) ----
  // The peer whose allowed IPs cover the packet's destination, or null.
  Peer *route(std::span<const uint8_t> ip_packet) const;
  // False when the peer has no usable session: hand the packets to
  // send_packet, which stages them and starts a handshake.
  bool reserve_send(Peer &peer, uint32_t count, uint64_t now, SendReservation &out);
  // After sending `datagrams` (total `bytes`) of a reservation; had_data is
  // false when all were keepalives.
  void commit_sent(Peer &peer, size_t datagrams, size_t bytes, bool had_data, uint64_t now);
  // Match a transport datagram to its keypair (and pre-check the replay
  // window). False when dropped (counted).
  bool lookup_receive(std::span<const uint8_t> datagram, uint64_t now, ReceiveTicket &out);
  // After Keypair::open succeeded: replay window, session confirmation,
  // roaming, timers, statistics, inner-packet and allowed-IPs checks. On
  // `deliver`, `packet` is the unpadded IP packet inside `plaintext`.
  RxVerdict commit_received(const ReceiveTicket &ticket, const Endpoint &from, std::span<const uint8_t> plaintext,
                            size_t datagram_len, uint64_t now, std::span<const uint8_t> &packet);
  // Count a drop detected by the I/O layer's workers (decrypt_failure).
  void count_drop(DropReason r) { ++drops_[static_cast<size_t>(r)]; }

  // ---- Introspection ----
  uint64_t drops(DropReason r) const { return drops_[static_cast<size_t>(r)]; }
  const std::array<uint64_t, kDropReasonCount> &drop_counters() const { return drops_; }
  uint64_t cookie_replies_sent() const { return cookie_replies_sent_; }
  size_t index_count() const { return index_.size(); }

 private:
  struct IndexEntry {
    Peer *peer = nullptr;
    bool keypair = false;  // false: a handshake in flight
  };
  struct KeyHash {
    size_t operator()(const PublicKey &k) const;
  };
  class Directory;

  void drop(DropReason r) { ++drops_[static_cast<size_t>(r)]; }
  uint64_t jitter();

  // Index table.
  uint32_t assign_handshake_index(Peer &peer);
  void release_handshake_index(Peer &peer);
  void release_keypairs(const std::vector<std::shared_ptr<Keypair>> &gone);
  void install_keypair(Peer &peer, const SessionKeys &keys, uint64_t now);

  // Handshakes (device_handshake.cpp).
  void handle_handshake(const Endpoint &from, std::span<const uint8_t> datagram, MessageType type, uint64_t now);
  void handle_initiation(const Endpoint &from, std::span<const uint8_t> datagram, uint64_t now);
  void handle_response(const Endpoint &from, std::span<const uint8_t> datagram, uint64_t now);
  void handle_cookie_reply(std::span<const uint8_t> datagram, uint64_t now);
  void queue_handshake_initiation(Peer &peer, uint64_t now, bool is_retry);
  void send_handshake_initiation(Peer &peer, uint64_t now);
  void send_handshake_response(Peer &peer, uint64_t now);
  void handshake_complete(Peer &peer);
  void zero_key_material(Peer &peer);

  // Data (device_data.cpp).
  void handle_transport(const Endpoint &from, std::span<const uint8_t> datagram, uint64_t now);
  void send_staged(Peer &peer, uint64_t now);
  void send_keepalive(Peer &peer, uint64_t now);
  void after_data_sent(Peer &peer, bool had_data, uint64_t now);
  void keep_key_fresh_send(Peer &peer, uint64_t now);
  void keep_key_fresh_receive(Peer &peer, uint64_t now);
  void transmit(Peer &peer, std::span<const uint8_t> datagram);
  void set_endpoint(Peer &peer, const Endpoint &from);
  void handle_timer(Peer &peer, TimerKind timer, uint64_t now);

  DeviceConfig config_;
  Output &out_;
  const WallClock &wall_;
  RandomSource &rng_;
  std::unique_ptr<ChaChaPoly> aead_;
  StaticIdentity identity_;
  CookieChecker checker_;
  RateLimiter limiter_;
  std::unordered_map<PublicKey, std::unique_ptr<Peer>, KeyHash> peers_;
  std::unordered_map<uint32_t, IndexEntry> index_;
  AllowedIps<const Peer *> allowed_ips_;
  std::array<uint64_t, kDropReasonCount> drops_{};
  uint64_t cookie_replies_sent_ = 0;
  size_t handshake_backlog_ = 0;
  std::optional<uint64_t> last_under_load_;
  std::vector<uint8_t> tx_buf_;
  std::vector<uint8_t> rx_buf_;
};

}  // namespace trellis::wg
