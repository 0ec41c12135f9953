#pragma once
// Providers (and keys) in order: on 429, 5xx, quota or a malformed answer the next one is
// asked; each call starts again from the first, so after a success traffic returns there. A
// provider that keeps failing has its circuit opened for a while and is skipped.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "generate/provider.hpp"

namespace sf::gen {

struct breaker_settings {
  int failures_to_open = 3;
  std::chrono::milliseconds open_for{30000};
};

class provider_chain {
 public:
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

  provider_chain(std::vector<std::unique_ptr<provider>> providers, breaker_settings b = {},
                 clock_fn now = [] { return std::chrono::steady_clock::now(); });

  bool empty() const { return entries_.empty(); }
  // The first success, or the last failure (a rejected request is not passed on).
  chat_result chat(const chat_request& req);
  // Providers whose circuit is open now (for metrics and tests).
  int open_circuits() const;

 private:
  struct entry {
    std::unique_ptr<provider> p;
    int consecutive_failures = 0;
    std::chrono::steady_clock::time_point open_until{};
  };
  std::vector<entry> entries_;
  breaker_settings breaker_;
  clock_fn now_;
  mutable std::mutex mu_;
};

}  // namespace sf::gen
