#include "http/rate_limiter.hpp"

namespace sf::http {

std::optional<double> token_bucket::take(const bucket_rule& r, clock::time_point now) {
  double elapsed = std::chrono::duration<double>(now - at).count();
  tokens = std::min(r.burst, tokens + elapsed * r.per_second);
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
  const rule& rl = r->second;
  std::lock_guard lock(mu_);
  // Forget idle buckets now and then, so memory stays bounded by active clients.
  if (buckets_.size() > 100000) buckets_.clear();
  auto it = buckets_.try_emplace(scope + '\x1f' + key, token_bucket::full(rl, now)).first;
  return it->second.take(rl, now);
}

}  // namespace sf::http
