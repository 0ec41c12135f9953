#pragma once
// Combines calls that arrive together into one batch. A caller that finds fewer than
// `max_leaders` batches running leads the next one: it takes everyone waiting, itself
// included (up to `max_batch`), runs `fn` once for all of them, and wakes each with its own
// result. Alone, a call runs at once on its caller's thread; under load, the calls that
// arrive while a batch runs share the next. Used where one statement for many rows costs
// about what one statement for one row does.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/batch_call.hpp"
#include "common/error.hpp"

namespace sf {

template <class In, class Out>
class combiner {
 public:
  // One result per input, in order; a failure is every member's, and then each member of a
  // batch of several runs again alone, so one bad input fails only its own call.
  using batch_fn = std::function<result<std::vector<Out>>(const std::vector<In>&)>;
  // A staged batch has a first part that only one batch may be in at a time (an insert) and a
  // second that may overlap the next batch's first (waiting for acknowledgements). It calls
  // `let_next` when its first part is done; only then does the next leader take a batch, so
  // that batch holds everyone who arrived meanwhile instead of the few who came at once.
  using staged_fn = std::function<result<std::vector<Out>>(const std::vector<In>&, const std::function<void()>& let_next)>;

  combiner(batch_fn fn, std::size_t max_batch, int max_leaders)
      : fn_([fn = std::move(fn)](const std::vector<In>& in, const std::function<void()>&) { return fn(in); }),
        max_batch_(max_batch),
        max_leaders_(max_leaders) {}
  combiner(staged_fn fn, std::size_t max_batch, int max_leaders)
      : fn_(std::move(fn)), max_batch_(max_batch), max_leaders_(max_leaders), staged_(true) {}

  result<Out> run(In in) {
    // Shared with the leader that takes it, which wakes it after letting go of the lock: the
    // member may see its result and return before that wake-up, and its condition variable
    // must still be there for it. (Woken under the lock, each member went back to sleep on the
    // lock at once, and was woken again when the leader let go of it.)
    auto self = std::make_shared<waiter>(std::move(in));
    std::vector<std::shared_ptr<waiter>> batch;
    batch.reserve(max_batch_);  // so that taking members under the lock allocates nothing
    std::unique_lock lock(mu_);
    waiting_.push_back(self);
    while (!self->out && !self->alone) {
      if (self->taken || leading_ >= max_leaders_ || first_part_busy_) {
        self->cv.wait(lock);
        continue;
      }
      ++leading_;
      first_part_busy_ = staged_;
      batch.clear();
      while (!waiting_.empty() && batch.size() < max_batch_) {
        batch.push_back(waiting_.front());
        batch.back()->taken = true;
        waiting_.pop_front();
      }
      auto co_leader = next_leader();
      lock.unlock();
      if (co_leader) co_leader->cv.notify_one();
      bool let = !staged_;
      auto let_next = [&] {
        if (std::exchange(let, true)) return;
        std::unique_lock gate(mu_);
        first_part_busy_ = false;
        auto next = next_leader();
        gate.unlock();
        if (next) next->cv.notify_one();
      };
      auto outs = call(batch, let_next);
      let_next();
      lock.lock();
      --leading_;
      bool again_alone = !outs && batch.size() > 1;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (again_alone) batch[i]->alone = true;
        else if (outs) batch[i]->out.emplace(boost::outcome_v2::in_place_type<Out>, std::move(outs.value()[i]));
        else batch[i]->out.emplace(boost::outcome_v2::failure(outs.error()));
      }
      auto next = waiting_.empty() ? nullptr : waiting_.front();
      lock.unlock();
      for (auto& member : batch)
        if (member != self) member->cv.notify_one();
      if (next) next->cv.notify_one();
      batch.clear();
      lock.lock();
    }
    lock.unlock();
    if (self->out) return std::move(*self->out);
    // Its batch failed: it runs again by itself, on its own thread, beside the others.
    auto outs = call({self}, [] {});
    if (!outs) return boost::outcome_v2::failure(outs.error());
    // Out may itself be a result: say which side it goes on.
    return result<Out>(boost::outcome_v2::in_place_type<Out>, std::move(outs.value().front()));
  }

 private:
  struct waiter {
    explicit waiter(In i) : in(std::move(i)) {}
    In in;
    std::optional<result<Out>> out;
    bool taken = false;  // in a batch that is running
    bool alone = false;  // its batch failed: it runs again alone
    std::condition_variable cv;
  };

  // Never throws. The inputs go back to their waiters afterwards, for a run alone.
  result<std::vector<Out>> call(const std::vector<std::shared_ptr<waiter>>& batch, const std::function<void()>& let_next) {
    std::vector<In> inputs;
    auto outs = detail::call_batch<Out>(batch.size(), [&] {
      inputs.reserve(batch.size());
      for (const auto& w : batch) inputs.push_back(std::move(w->in));
      return fn_(inputs, let_next);
    });
    for (std::size_t i = 0; i < inputs.size(); ++i) batch[i]->in = std::move(inputs[i]);
    return outs;
  }

  // Under mu_: who may lead a batch now, to be woken once the lock is let go.
  std::shared_ptr<waiter> next_leader() const {
    return !waiting_.empty() && leading_ < max_leaders_ && !first_part_busy_ ? waiting_.front() : nullptr;
  }

  staged_fn fn_;
  std::size_t max_batch_;
  int max_leaders_;
  bool staged_ = false;
  std::mutex mu_;
  std::deque<std::shared_ptr<waiter>> waiting_;
  int leading_ = 0;
  bool first_part_busy_ = false;  // a staged batch is in its first part
};

}  // namespace sf
