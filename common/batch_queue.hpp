#pragma once
// Combines calls that arrive together into one batch: one statement for many rows costs about
// what one for a single row does. post() hands over an input with what to do with its result
// and returns; a caller that finds fewer than `max_leaders` batches running leads: it runs
// batches of everyone waiting (up to `max_batch`) on its own thread until none is left, and
// hands each result to its callback there. Everyone else's thread goes on at once: a thread
// that only slept until a leader woke it cost two context switches, which on a small machine
// weigh more than the row it adds. run() is post() for a caller that waits for its result.
//
// A staged batch has a first part that only one batch may be in at a time (an insert) and a
// second that may overlap the next batch's first (waiting for acknowledgements). It calls
// `let_next` when its first part is done; only then does another leader take a batch, so that
// batch holds everyone who arrived meanwhile instead of the few who came at once.
//
// A batch that fails is run again member by member, so one bad input fails only its own call.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace sf {

template <class In, class Out>
class batch_queue {
 public:
  using batch_fn = std::function<result<std::vector<Out>>(const std::vector<In>&)>;
  using staged_fn = std::function<result<std::vector<Out>>(const std::vector<In>&, const std::function<void()>& let_next)>;
  using done_fn = std::function<void(result<Out>)>;  // what it throws is dropped

  batch_queue(batch_fn fn, std::size_t max_batch, int max_leaders = 1)
      : fn_([fn = std::move(fn)](const std::vector<In>& in, const std::function<void()>&) { return fn(in); }),
        max_batch_(max_batch),
        max_leaders_(max_leaders) {}
  batch_queue(staged_fn fn, std::size_t max_batch, int max_leaders)
      : fn_(std::move(fn)), max_batch_(max_batch), max_leaders_(max_leaders), staged_(true) {}

  void post(In in, done_fn done) {
    std::unique_lock lock(mu_);
    queue_.push_back({std::move(in), std::move(done)});
    if (leading_ >= max_leaders_ || first_part_busy_) return;  // a leader takes it after its batch
    ++leading_;
    // Whoever ends a batch looks again, so nothing is left waiting: the last leader to end one
    // finds no first part busy.
    std::vector<entry> batch;
    while (!queue_.empty() && !first_part_busy_) {
      batch.clear();
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      first_part_busy_ = staged_;
      lock.unlock();
      settle(batch);
      lock.lock();
    }
    --leading_;
  }

  // Waits for its own result (run by this thread, or by the leader of its batch). Never from
  // a batch function or a callback of the same queue: that thread leads, so it would wait for
  // a batch only it can run. A caller that leads runs batches until none is left, which under
  // steady load may take a while: latency-bound callers post instead.
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

  // Never throws: one result per input, or one error for all.
  result<std::vector<Out>> call(const std::vector<In>& inputs, const std::function<void()>& let_next) noexcept {
    try {
      auto outs = fn_(inputs, let_next);
      if (outs && outs.value().size() != inputs.size())
        return failure(errc::internal, "a batch answered " + std::to_string(outs.value().size()) + " results for " +
                                           std::to_string(inputs.size()) + " calls");
      return outs;
    } catch (const std::exception& e) {
      return failure(errc::internal, std::string("a batch failed: ") + e.what());
    } catch (...) {
      return failure(errc::internal, "a batch failed");
    }
  }

  static result<Out> nth(result<std::vector<Out>>& outs, std::size_t i) {
    // Out may itself be a result: say which side it goes on.
    if (outs) return result<Out>(boost::outcome_v2::in_place_type<Out>, std::move(outs.value()[i]));
    return result<Out>(boost::outcome_v2::failure(outs.error()));
  }

  // Calls each member's callback once, whatever happens: a callback that throws loses only
  // its own answer, and a batch that cannot even be set up fails its members.
  void settle(std::vector<entry>& batch) noexcept {
    std::size_t answered = 0;
    auto give = [&](result<Out> r) {
      try {
        batch[answered].done(std::move(r));
      } catch (...) {
      }
      ++answered;
    };
    bool let = false;
    auto let_next = [&] {
      if (std::exchange(let, true)) return;
      std::lock_guard lock(mu_);
      first_part_busy_ = false;
    };
    try {
      std::vector<In> inputs;
      inputs.reserve(batch.size());
      for (auto& e : batch) inputs.push_back(std::move(e.in));
      auto outs = call(inputs, let_next);
      let_next();
      if (!outs && batch.size() > 1) {
        // Alone, a member's first part no longer holds up the next batch: it is not a batch's.
        while (answered < batch.size()) {
          std::vector<In> one;
          one.push_back(std::move(inputs[answered]));
          auto alone = call(one, [] {});
          give(nth(alone, 0));
        }
        return;
      }
      while (answered < batch.size()) give(nth(outs, answered));
    } catch (...) {
      let_next();
      while (answered < batch.size()) give(result<Out>(boost::outcome_v2::failure(error{errc::internal, "a batch failed"})));
    }
  }

  staged_fn fn_;
  std::size_t max_batch_;
  int max_leaders_;
  bool staged_ = false;
  std::mutex mu_;
  std::deque<entry> queue_;
  int leading_ = 0;
  bool first_part_busy_ = false;  // a staged batch is in its first part
};

}  // namespace sf
