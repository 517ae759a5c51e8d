// SPDX-License-Identifier: Apache-2.0
// ChaCha20-Poly1305 throughput on one core at WireGuard's typical packet size
// (1420-byte plaintext, counter nonces, a reused per-thread context), for the
// OpenSSL EVP and libsodium backends of trellis_wg_core, sealing and opening,
// and through Keypair::seal_in_place (the data path as the I/O layer will
// call it). Prints GB/s of plaintext for each, and the OpenSSL/libsodium
// ratio that decides kDataPathBackend. "seal-newkey" alternates two keys, the
// worst case for a worker serving many peers.
//   trellis_bench_crypto [--seconds S] [--size BYTES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <atomic>

#include <openssl/crypto.h>

#include "core/aead.hpp"
#include "core/keypair.hpp"

using namespace trellis::wg;
using Clock = std::chrono::steady_clock;

namespace {

struct Result {
  double gbps = 0;
  uint64_t packets = 0;
};

// Run `op` in chunks until `seconds` elapsed; returns plaintext GB/s.
template <typename Op>
Result measure(double seconds, size_t size, Op op) {
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  uint64_t n = 0;
  while (Clock::now() < end) {
    for (int i = 0; i < 256; ++i) {
      if (!op(n)) {
        std::fprintf(stderr, "operation failed\n");
        std::exit(1);
      }
      ++n;
    }
  }
  const double dt = std::chrono::duration<double>(Clock::now() - start).count();
  return {static_cast<double>(n) * static_cast<double>(size) / dt / 1e9, n};
}

// OpenSSL's allocations, counted to show the EVP data path makes none per packet.
std::atomic<uint64_t> g_openssl_allocs{0};
void *count_malloc(size_t n, const char *, int) {
  g_openssl_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void *count_realloc(void *p, size_t n, const char *, int) {
  g_openssl_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void count_free(void *p, const char *, int) { std::free(p); }

const char *name(AeadBackend b) { return b == AeadBackend::openssl ? "openssl-evp" : "libsodium"; }

}  // namespace

int main(int argc, char **argv) {
  // Must come before anything else touches OpenSSL.
  const bool counting = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
  double seconds = 2.0;
  size_t size = 1420;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--size") == 0) size = static_cast<size_t>(std::atol(argv[i + 1]));
  }
  if (seconds <= 0 || size == 0 || size > 65000) {
    std::fprintf(stderr, "usage: %s [--seconds S] [--size BYTES]\n", argv[0]);
    return 2;
  }
  SecretKey key;
  for (size_t i = 0; i < key.size(); ++i) key.data()[i] = static_cast<uint8_t>(i * 13 + 1);
  std::vector<uint8_t> pt(size, 0x42), ct(size + kAeadTagLen), out(size);

  std::printf("ChaCha20-Poly1305, %zu-byte packets, one core, %.1f s per row\n", size, seconds);
  std::printf("%-12s %-14s %10s %14s\n", "backend", "operation", "GB/s", "packets");
  double seal_gbps[2] = {0, 0};
  for (AeadBackend b : {AeadBackend::openssl, AeadBackend::sodium}) {
    auto aead = make_chacha_poly(b);
    if (!aead) {
      std::fprintf(stderr, "%s: unavailable\n", name(b));
      return 1;
    }
    if (!aead->seal(key, 0, pt, {}, ct.data())) return 1;  // warm up: first use may allocate
    const uint64_t allocs_before = g_openssl_allocs.load();
    const Result s = measure(seconds, size, [&](uint64_t n) { return aead->seal(key, n, pt, {}, ct.data()); });
    const uint64_t allocs = g_openssl_allocs.load() - allocs_before;
    std::printf("%-12s %-14s %10.3f %14llu", name(b), "seal", s.gbps, static_cast<unsigned long long>(s.packets));
    if (b == AeadBackend::openssl && counting) {
      std::printf("   (OpenSSL allocations during the run: %llu)", static_cast<unsigned long long>(allocs));
    }
    std::printf("\n");
    seal_gbps[b == AeadBackend::openssl ? 0 : 1] = s.gbps;
    // Worst case for a worker: every packet under a different key.
    SecretKey other = key;
    other.data()[0] ^= 1;
    const Result r = measure(seconds, size, [&](uint64_t n) {
      return aead->seal((n & 1) ? other : key, n, pt, {}, ct.data());
    });
    std::printf("%-12s %-14s %10.3f %14llu\n", name(b), "seal-newkey", r.gbps,
                static_cast<unsigned long long>(r.packets));
    if (!aead->seal(key, 7, pt, {}, ct.data())) return 1;
    const Result o = measure(seconds, size, [&](uint64_t) { return aead->open(key, 7, ct, {}, out.data()); });
    std::printf("%-12s %-14s %10.3f %14llu\n", name(b), "open", o.gbps, static_cast<unsigned long long>(o.packets));

    // The data path: header + in-place seal of a padded packet.
    SessionKeys keys;
    keys.send = key;
    keys.recv = key;
    Keypair kp(keys, 0);
    std::vector<uint8_t> buf(16 + size + 16 + 16);
    const Result k = measure(seconds, size, [&](uint64_t n) {
      std::memcpy(buf.data() + 16, pt.data(), size);  // as a TUN read would place it
      return kp.seal_in_place(*aead, n, buf, size, 1420) != 0;
    });
    std::printf("%-12s %-14s %10.3f %14llu\n", name(b), "keypair-seal", k.gbps,
                static_cast<unsigned long long>(k.packets));
  }
  std::printf("ratio openssl/libsodium (seal): %.2fx; data path uses %s\n", seal_gbps[0] / seal_gbps[1],
              name(kDataPathBackend));
  return 0;
}
