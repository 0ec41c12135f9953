#include "storage/group_commit.hpp"

#include <condition_variable>
#include <pqxx/pqxx>
#include <vector>

namespace sf::storage {

// Each waiter sleeps on its own condition variable, so a finished group wakes exactly its
// members and the next leader instead of every thread waiting on the lane.
struct group_commit::waiter {
  explicit waiter(const body* f) : fn(f) {}
  const body* fn;
  result<void> outcome = success();
  bool taken = false;  // in a group that is committing
  bool done = false;
  std::condition_variable cv;
};

group_commit::queue& group_commit::queue_for(const std::string& key) {
  std::lock_guard lock(queues_mu_);
  auto& q = queues_[key];
  if (!q) q = std::make_unique<queue>();
  return *q;
}

result<void> group_commit::run(const std::string& key, const body& fn) {
  auto& q = queue_for(key);
  waiter self(&fn);
  std::unique_lock lock(q.mu);
  q.waiting.push_back(&self);
  while (!self.done) {
    if (self.taken || q.leading >= max_groups_) {
      self.cv.wait(lock);
      continue;
    }
    // Lead the next group: everyone waiting now (this waiter among them), up to the limit.
    ++q.leading;
    std::deque<waiter*> group;
    while (!q.waiting.empty() && group.size() < max_group_) {
      group.push_back(q.waiting.front());
      group.back()->taken = true;
      q.waiting.pop_front();
    }
    if (!q.waiting.empty() && q.leading < max_groups_) q.waiting.front()->cv.notify_one();
    lock.unlock();
    commit_group(group);
    lock.lock();
    for (auto* w : group) {
      w->done = true;
      if (w != &self) w->cv.notify_one();
    }
    --q.leading;
    if (!q.waiting.empty()) q.waiting.front()->cv.notify_one();  // the next leader
  }
  return self.outcome;
}

result<void> group_commit::commit_alone(const body& fn) {
  try {
    auto conn = db_.acquire();
    pqxx::work tx(*conn);
    BOOST_OUTCOME_TRYV(fn(tx));
    tx.commit();
    return success();
  } catch (const std::exception& e) {
    return boost::outcome_v2::failure(classify(e));
  }
}

void group_commit::commit_group(std::deque<waiter*>& group) {
  std::vector<waiter*> together(group.begin(), group.end()), alone;
  while (together.size() > 1) {
    std::size_t failed_at = together.size();  // none yet
    try {
      auto conn = db_.acquire();
      pqxx::work tx(*conn);
      for (std::size_t i = 0; i < together.size() && failed_at == together.size(); ++i) {
        bool ok = false;
        try {
          ok = static_cast<bool>((*together[i]->fn)(tx));
        } catch (...) {
          failed_at = i;
          throw;
        }
        if (!ok) failed_at = i;
      }
      if (failed_at == together.size()) {
        tx.commit();
        for (auto* w : together) w->outcome = success();
        together.clear();
      }
    } catch (const pqxx::in_doubt_error& e) {
      // The commit may or may not have happened: running the bodies again could do them twice.
      for (auto* w : together) w->outcome = boost::outcome_v2::failure(classify(e));
      together.clear();
    } catch (const std::exception&) {
      if (failed_at == together.size()) {
        // No connection, or the commit itself failed: no body to blame, so each runs alone.
        alone.insert(alone.end(), together.begin(), together.end());
        together.clear();
      }
    }
    if (failed_at < together.size()) {
      // Rolled back: the body that failed runs alone, the rest try again together.
      alone.push_back(together[failed_at]);
      together.erase(together.begin() + static_cast<std::ptrdiff_t>(failed_at));
    }
  }
  alone.insert(alone.end(), together.begin(), together.end());
  for (auto* w : alone) w->outcome = commit_alone(*w->fn);
}

}  // namespace sf::storage
