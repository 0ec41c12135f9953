#pragma once
// Batches calls like combiner, but a caller need not wait for its batch: post() hands over an
// input with what to do with its result, and returns. The first caller to find no batch running
// runs batches on its own thread until none is left; everyone else's thread goes on at once.
// A thread that would only have slept until a leader woke it costs two context switches, which
// on a small machine weigh more than the row it adds to the statement.
//
// One batch at a time; each result is handed to its callback on the leading thread, in order.
// A batch that fails is run again member by member (one bad input fails only its own call).
#include <cstddef>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "common/batch_call.hpp"
#include "common/error.hpp"

namespace sf {

template <class In, class Out>
class batch_queue {
 public:
  using batch_fn = std::function<result<std::vector<Out>>(const std::vector<In>&)>;
  using done_fn = std::function<void(result<Out>)>;  // must not throw

  batch_queue(batch_fn fn, std::size_t max_batch) : fn_(std::move(fn)), max_batch_(max_batch) {}

  void post(In in, done_fn done) {
    std::unique_lock lock(mu_);
    queue_.push_back({std::move(in), std::move(done)});
    if (leading_) return;  // the leader takes it with its next batch
    leading_ = true;
    std::vector<entry> batch;
    while (!queue_.empty()) {
      batch.clear();
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      settle(batch);
      lock.lock();
    }
    leading_ = false;
  }

  // Waits for its own result (run by this thread, or by the leader of its batch).
  result<Out> run(In in) {
    std::mutex m;
    std::condition_variable cv;
    std::optional<result<Out>> got;
    post(std::move(in), [&](result<Out> r) {
      std::lock_guard g(m);  // notified under the lock: `cv` is gone once the waiter returns
      got.emplace(std::move(r));
      cv.notify_one();
    });
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return got.has_value(); });
    return std::move(*got);
  }

 private:
  struct entry {
    In in;
    done_fn done;
  };

  result<std::vector<Out>> call(std::vector<In>& inputs) {
    return detail::call_batch<Out>(inputs.size(), [&] { return fn_(inputs); });
  }

  void settle(std::vector<entry>& batch) {
    std::vector<In> inputs;
    inputs.reserve(batch.size());
    for (auto& e : batch) inputs.push_back(std::move(e.in));
    auto outs = call(inputs);
    if (!outs && batch.size() > 1) {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        std::vector<In> one;
        one.push_back(std::move(inputs[i]));
        auto alone = call(one);
        batch[i].done(alone ? result<Out>(boost::outcome_v2::in_place_type<Out>, std::move(alone.value().front()))
                            : result<Out>(boost::outcome_v2::failure(alone.error())));
      }
      return;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i].done(outs ? result<Out>(boost::outcome_v2::in_place_type<Out>, std::move(outs.value()[i]))
                         : result<Out>(boost::outcome_v2::failure(outs.error())));
  }

  batch_fn fn_;
  std::size_t max_batch_;
  std::mutex mu_;
  std::deque<entry> queue_;
  bool leading_ = false;
};

}  // namespace sf
