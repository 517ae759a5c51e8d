// SPDX-License-Identifier: Apache-2.0
// The configuration codec: InterfaceUpdate + PeerUpdates -> the packed buffer
// WireGuardSetConfiguration takes, and the buffer WireGuardGetConfiguration
// fills -> InterfaceState. Layout in nt_layout.hpp. Fields are stored one by
// one into a zeroed buffer, so every padding byte is zero and the output is
// reproducible byte for byte. Decoding checks every count against the bytes
// actually present and never copies a private or preshared key out of the
// driver's answer. Errors are sdk::Error: TRELLIS_E_INVALID for bad updates,
// TRELLIS_E_IO for a malformed answer from the driver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/model.hpp"
#include "core/secure.hpp"

namespace trellis::wgnt {

// Bytes the encoded form of these peers takes, interface record included.
size_t encoded_size(std::span<const PeerUpdate> peers);

WipedBuffer encode_configuration(const InterfaceUpdate &iface, std::span<const PeerUpdate> peers);

// `bytes` is exactly what the driver reported as written.
InterfaceState decode_configuration(std::span<const uint8_t> bytes);

// SOCKADDR_INET in its 28 bytes (exposed for the tests and the IP Helper code).
void encode_sockaddr_inet(const Endpoint &e, uint8_t out[kSockaddrInetLen]);
// std::nullopt for AF_UNSPEC or any family other than AF_INET / AF_INET6.
std::optional<Endpoint> decode_sockaddr_inet(const uint8_t in[kSockaddrInetLen]);

}  // namespace trellis::wgnt
