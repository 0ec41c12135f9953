#include "http/rate_limiter.hpp"

#include <algorithm>

namespace sf::http {

double token_bucket::level(const bucket_rule& r, clock::time_point now) const {
  double elapsed = std::chrono::duration<double>(now - at).count();
  return std::min(r.burst, tokens + std::max(0.0, elapsed) * r.per_second);
}

std::optional<double> token_bucket::wait(const bucket_rule& r, clock::time_point now) const {
  double have = level(r, now);
  if (have >= 1) return std::nullopt;
  return (1 - have) / r.per_second;
}

std::optional<double> token_bucket::take(const bucket_rule& r, clock::time_point now) {
  tokens = level(r, now);
  at = now;
  if (tokens >= 1) {
    tokens -= 1;
    return std::nullopt;
  }
  return (1 - tokens) / r.per_second;
}

std::optional<double> rate_limiter::take(const std::string& scope, const std::string& key, clock::time_point now) {
  auto r = rules_.find(scope);
  if (r == rules_.end() || r->second.per_second <= 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto& keys = buckets_[scope];
  auto [it, added] = keys.try_emplace(key, token_bucket::full(r->second, now));
  auto out = it->second.take(r->second, now);
  if (added && ++count_ > sweep_at_) forget_idle(now);
  return out;
}

std::optional<double> rate_limiter::wait(const std::string& scope, const std::string& key, clock::time_point now) {
  auto r = rules_.find(scope);
  if (r == rules_.end() || r->second.per_second <= 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto keys = buckets_.find(scope);
  if (keys == buckets_.end()) return std::nullopt;
  auto it = keys->second.find(key);
  return it == keys->second.end() ? std::nullopt : it->second.wait(r->second, now);
}

std::size_t rate_limiter::size() {
  std::lock_guard lock(mu_);
  return count_;
}

// Memory stays bounded by active clients: a bucket that refilled is forgotten, as if never
// made. Buckets still draining are kept, so that making many keys (many accounts, many
// addresses) does not reset anyone's limit. The next sweep waits until the count has doubled,
// so sweeping costs O(1) a bucket made.
void rate_limiter::forget_idle(clock::time_point now) {
  for (auto& [scope, keys] : buckets_) {
    const auto& rule = rules_.at(scope);
    for (auto it = keys.begin(); it != keys.end();) {
      if (it->second.full_at(rule, now)) it = keys.erase(it);
      else ++it;
    }
  }
  count_ = 0;
  for (const auto& [scope, keys] : buckets_) count_ += keys.size();
  sweep_at_ = std::max(max_buckets_, 2 * count_);
}

}  // namespace sf::http
