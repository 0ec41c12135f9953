#pragma once
// Runs a batch function for the batching helpers (combiner, batch_queue): whatever it does,
// the callers get one result per input or one error for all, never an exception.
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace sf::detail {

template <class Out, class Fn>
result<std::vector<Out>> call_batch(std::size_t inputs, Fn&& fn) noexcept {
  try {
    result<std::vector<Out>> outs = std::forward<Fn>(fn)();
    if (outs && outs.value().size() != inputs)
      return failure(errc::internal, "a batch answered " + std::to_string(outs.value().size()) + " results for " +
                                         std::to_string(inputs) + " calls");
    return outs;
  } catch (const std::exception& e) {
    try {
      return failure(errc::internal, std::string("a batch failed: ") + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
  return failure(errc::internal, "a batch failed");
}

}  // namespace sf::detail
