// SPDX-License-Identifier: Apache-2.0
// RFC 1123 labels, domains and per-account unique peer labels (see dns_label.hpp).
#include "dns_label.hpp"

namespace trellis::mgmt {

namespace {

bool label_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// Lowercases, turns every run of characters outside [a-z0-9] into one '-',
// trims hyphens and cuts to `max`.
std::string to_label(std::string_view text, size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max));
  bool pending_hyphen = false;
  for (char raw : text) {
    char c = raw;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (pending_hyphen && !out.empty()) out += '-';
      pending_hyphen = false;
      out += c;
      if (out.size() >= max) break;
    } else {
      pending_hyphen = true;
    }
  }
  if (out.size() > max) out.resize(max);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string with_suffix(std::string_view base, uint32_t n) {
  std::string suffix = "-" + std::to_string(n);
  std::string out(base.substr(0, kMaxLabel - suffix.size()));
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty()) out = "peer";
  return out + suffix;
}

}  // namespace

bool is_valid_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabel) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!label_char(c)) return false;
  }
  return true;
}

bool is_valid_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > kMaxDomainName) return false;
  size_t start = 0;
  while (true) {
    size_t dot = domain.find('.', start);
    std::string_view label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_valid_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string sanitize_label(std::string_view hostname) {
  std::string_view first = hostname.substr(0, hostname.find('.'));
  std::string label = to_label(first, kMaxLabel);
  if (label.empty()) label = to_label(hostname, kMaxLabel);  // e.g. ".local"
  if (label.empty()) label = "peer";
  return label;
}

std::string make_fqdn(std::string_view label, std::string_view domain) {
  std::string out;
  out.reserve(label.size() + 1 + domain.size());
  out.append(label);
  out += '.';
  out.append(domain);
  return out;
}

std::string default_domain(std::string_view account_id) {
  std::string label = to_label(account_id, kMaxLabel);
  if (label.empty()) label = "account";
  return label + ".trellis";
}

bool DnsLabels::claim(std::string_view label) {
  if (!is_valid_label(label)) return false;
  return taken_.emplace(label).second;
}

std::string DnsLabels::assign(std::string_view hostname) {
  std::string base = sanitize_label(hostname);
  if (taken_.find(base) == taken_.end()) {
    taken_.insert(base);
    return base;
  }
  auto hint = next_suffix_.find(base);
  uint32_t n = hint == next_suffix_.end() ? 2 : hint->second;
  // Pigeonhole: among size()+1 consecutive suffixes one is free, and wrapping
  // back to 2 covers suffixes freed below the hint.
  const uint32_t limit = static_cast<uint32_t>(taken_.size()) + 2;
  for (uint32_t tries = 0; tries <= limit; ++tries) {
    if (n > limit + 1) n = 2;
    std::string candidate = with_suffix(base, n);
    if (taken_.find(candidate) == taken_.end()) {
      taken_.insert(candidate);
      next_suffix_[base] = n + 1;
      return candidate;
    }
    ++n;
  }
  // Unreachable: the loop above always finds a free suffix.
  return with_suffix(base, limit + 2);
}

bool DnsLabels::release(std::string_view label) {
  auto it = taken_.find(label);
  if (it == taken_.end()) return false;
  taken_.erase(it);
  return true;
}

bool DnsLabels::taken(std::string_view label) const { return taken_.find(label) != taken_.end(); }

}  // namespace trellis::mgmt
