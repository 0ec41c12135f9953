#pragma once
// Token buckets per (scope, key): a user's uploads, an address's login attempts. In memory,
// per node: with N nodes behind a balancer a client gets at most N times the rate, which the
// daily quotas in PostgreSQL (exact across nodes) bound in turn.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sf::http {

// `per_second` tokens a second, holding at most `burst`.
struct bucket_rule {
  double per_second = 1;
  double burst = 1;
};

struct token_bucket {
  using clock = std::chrono::steady_clock;
  double tokens = 0;
  clock::time_point at{};

  // A full bucket.
  static token_bucket full(const bucket_rule& r, clock::time_point now = clock::now()) { return {r.burst, now}; }
  // nullopt when a token was taken; otherwise seconds until one is available.
  std::optional<double> take(const bucket_rule& r, clock::time_point now = clock::now());
};

class rate_limiter {
 public:
  using clock = token_bucket::clock;
  using rule = bucket_rule;

  explicit rate_limiter(std::map<std::string, rule> rules) : rules_(std::move(rules)) {}

  // nullopt when allowed (a token is taken); otherwise seconds until one is available.
  std::optional<double> take(const std::string& scope, const std::string& key, clock::time_point now = clock::now());

 private:
  std::map<std::string, rule> rules_;
  std::mutex mu_;
  std::unordered_map<std::string, token_bucket> buckets_;
};

}  // namespace sf::http
