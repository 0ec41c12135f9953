#include "generate/provider_chain.hpp"

namespace sf::gen {

provider_chain::provider_chain(std::vector<std::unique_ptr<provider>> providers, breaker_settings b, clock_fn now)
    : breaker_(b), now_(std::move(now)) {
  for (auto& p : providers) entries_.push_back({std::move(p), 0, {}});
}

chat_result provider_chain::chat(const chat_request& req) {
  provider_error last{provider_failure::unavailable, "no model provider is configured"};
  for (auto& e : entries_) {
    {
      std::lock_guard lock(mu_);
      if (now_() < e.open_until) {
        last = {provider_failure::unavailable, e.p->name() + ": skipped while its circuit is open"};
        continue;
      }
    }
    auto r = e.p->chat(req);  // outside the lock: calls take seconds
    std::lock_guard lock(mu_);
    if (r) {
      e.consecutive_failures = 0;
      return r;
    }
    last = r.error();
    if (last.kind == provider_failure::rejected) return last;  // the next one would refuse it too
    if (++e.consecutive_failures >= breaker_.failures_to_open) {
      e.open_until = now_() + breaker_.open_for;
      e.consecutive_failures = 0;
    }
  }
  return last;
}

int provider_chain::open_circuits() const {
  std::lock_guard lock(mu_);
  int n = 0;
  auto t = now_();
  for (const auto& e : entries_) n += t < e.open_until;
  return n;
}

}  // namespace sf::gen
