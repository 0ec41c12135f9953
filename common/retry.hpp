#pragma once
// Tries a step again while it fails because a dependency was unreachable (errc::unavailable:
// a database connection that the server ended, for example), waiting 100, 200, 400 ... ms,
// as long as the next try would start before `until` and `go_on()` still holds. A try that
// was slow to fail uses up that time itself, so it is not repeated. Blocks the calling
// thread: for worker threads only.
#include <chrono>
#include <thread>

#include "common/error.hpp"

namespace sf {

template <class Step, class GoOn, class OnRetry>
auto retry_unavailable(Step&& step, std::chrono::steady_clock::time_point until, GoOn&& go_on, OnRetry&& on_retry)
    -> decltype(step()) {
  auto r = step();
  for (auto wait = std::chrono::milliseconds(100);
       !r && r.error().code == errc::unavailable && go_on() && std::chrono::steady_clock::now() + wait < until;
       wait *= 2) {
    on_retry(r.error(), wait);
    std::this_thread::sleep_for(wait);
    r = step();
  }
  return r;
}

}  // namespace sf
