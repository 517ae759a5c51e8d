// SPDX-License-Identifier: Apache-2.0
// Peer state: staged packet ring and keypair slot rotation.
#include "core/peer.hpp"

#include <algorithm>

namespace trellis::wg {

bool StagedQueue::push(std::span<const uint8_t> packet) {
  if (limit_ == 0) return false;
  if (slots_.size() < limit_) slots_.resize(limit_);
  bool dropped = false;
  if (count_ == limit_) {
    pop();
    dropped = true;
  }
  std::vector<uint8_t> &slot = slots_[(head_ + count_) % limit_];
  slot.assign(packet.begin(), packet.end());
  ++count_;
  return !dropped;
}

void StagedQueue::pop() {
  if (count_ == 0) return;
  slots_[head_].clear();
  head_ = (head_ + 1) % limit_;
  --count_;
}

void StagedQueue::clear() {
  while (count_ != 0) pop();
  head_ = 0;
}

Peer::Peer(const PublicKey &public_key, const Limits &limits, size_t max_staged)
    : public_key_(public_key), timers_(limits), staged_(max_staged) {}

PeerStats Peer::stats() const {
  PeerStats s = stats_;
  s.endpoint = endpoint_;
  return s;
}

std::vector<std::shared_ptr<Keypair>> Peer::install_keypair(std::shared_ptr<Keypair> kp) {
  std::vector<std::shared_ptr<Keypair>> gone;
  if (kp->initiator()) {
    // Confirmed by the response: usable at once.
    if (next_) {
      // An unconfirmed responder session becomes previous; current goes.
      gone.push_back(std::move(previous_));
      gone.push_back(std::move(current_));
      previous_ = std::move(next_);
    } else {
      gone.push_back(std::move(previous_));
      previous_ = std::move(current_);
    }
    current_ = std::move(kp);
  } else {
    // Responder: wait for the initiator's first data packet. Any older
    // unconfirmed session and the previous one go.
    gone.push_back(std::move(next_));
    gone.push_back(std::move(previous_));
    next_ = std::move(kp);
  }
  std::erase(gone, nullptr);
  return gone;
}

std::shared_ptr<Keypair> Peer::received_with(const Keypair *kp, bool &confirmed) {
  confirmed = false;
  if (!next_ || next_.get() != kp) return nullptr;
  std::shared_ptr<Keypair> gone = std::move(previous_);
  previous_ = std::move(current_);
  current_ = std::move(next_);
  confirmed = true;
  return gone;
}

std::shared_ptr<Keypair> Peer::keypair_by_index(uint32_t idx) const {
  for (const auto *slot : {&current_, &previous_, &next_}) {
    if (*slot && (*slot)->local_index() == idx) return *slot;
  }
  return nullptr;
}

std::vector<std::shared_ptr<Keypair>> Peer::clear_keypairs() {
  std::vector<std::shared_ptr<Keypair>> gone;
  for (auto *slot : {&previous_, &current_, &next_}) {
    if (*slot) gone.push_back(std::move(*slot));
    slot->reset();
  }
  return gone;
}

}  // namespace trellis::wg
