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
  // As take(), without taking the token.
  std::optional<double> wait(const bucket_rule& r, clock::time_point now = clock::now()) const;
  // Refilled to its burst: forgetting it changes nothing.
  bool full_at(const bucket_rule& r, clock::time_point now) const { return level(r, now) >= r.burst; }

 private:
  double level(const bucket_rule& r, clock::time_point now) const;
};

class rate_limiter {
 public:
  using clock = token_bucket::clock;
  using rule = bucket_rule;

  // At most `max_buckets` buckets are kept (more only while all of them are in use).
  explicit rate_limiter(std::map<std::string, rule> rules, std::size_t max_buckets = 100000)
      : rules_(std::move(rules)), max_buckets_(max_buckets), sweep_at_(max_buckets) {}

  // nullopt when allowed (a token is taken); otherwise seconds until one is available.
  std::optional<double> take(const std::string& scope, const std::string& key, clock::time_point now = clock::now());
  // As take(), without taking a token: whether the next take would be allowed.
  std::optional<double> wait(const std::string& scope, const std::string& key, clock::time_point now = clock::now());
  std::size_t size();

 private:
  void forget_idle(clock::time_point now);

  std::map<std::string, rule> rules_;
  const std::size_t max_buckets_;
  std::mutex mu_;
  std::size_t count_ = 0;
  std::size_t sweep_at_;
  std::map<std::string, std::unordered_map<std::string, token_bucket>> buckets_;  // by scope, then key
};

}  // namespace sf::http
