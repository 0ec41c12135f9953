#include "http/rate_limiter.hpp"

namespace sf::http {

std::optional<double> rate_limiter::take(const std::string& scope, const std::string& key, clock::time_point now) {
  auto r = rules_.find(scope);
  if (r == rules_.end() || r->second.per_second <= 0) return std::nullopt;
  const rule& rl = r->second;
  std::lock_guard lock(mu_);
  // Forget idle buckets now and then, so memory stays bounded by active clients.
  if (buckets_.size() > 100000) buckets_.clear();
  auto [it, fresh] = buckets_.try_emplace(scope + '\x1f' + key, bucket{rl.burst, now});
  bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(rl.burst, b.tokens + elapsed * rl.per_second);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return (1 - b.tokens) / rl.per_second;
}

}  // namespace sf::http
