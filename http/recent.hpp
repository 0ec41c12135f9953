#pragma once
// A value computed again at most once per `max_age`. Probes and scrapes that anyone may send
// (/health, /ready, /metrics) then cost PostgreSQL and NATS once per interval however often
// they come. While one caller computes, the others get the last value.
#include <chrono>
#include <mutex>
#include <optional>

namespace sf::http {

template <class T>
class recent {
 public:
  using clock = std::chrono::steady_clock;
  explicit recent(clock::duration max_age) : max_age_(max_age) {}

  template <class Compute>
  T get(Compute&& compute) {
    std::unique_lock lock(mu_);
    if (value_ && (clock::now() - at_ < max_age_ || computing_)) return *value_;
    computing_ = true;
    lock.unlock();
    std::optional<T> fresh;
    try {
      fresh.emplace(compute());
    } catch (...) {
      lock.lock();
      computing_ = false;
      throw;
    }
    lock.lock();
    computing_ = false;
    value_ = *fresh;
    at_ = clock::now();
    return std::move(*fresh);
  }

 private:
  const clock::duration max_age_;
  std::mutex mu_;
  bool computing_ = false;
  std::optional<T> value_;
  clock::time_point at_{};
};

}  // namespace sf::http
