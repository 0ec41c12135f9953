#include "storage/group_commit.hpp"

#include <algorithm>
#include <condition_variable>
#include <pqxx/pqxx>
#include <vector>

namespace sf::storage {

// Each waiter sleeps on its own condition variable, so a finished group wakes exactly its
// members and the next leader instead of every thread waiting on the lane.
struct group_commit::waiter {
  waiter(const body* f, const std::function<void()>* a) : fn(f), after(a) {}
  const body* fn;
  const std::function<void()>* after;
  result<void> outcome = success();
  bool taken = false;      // in a group that is committing
  bool done = false;       // outcome set
  bool run_alone = false;  // its body failed in a group: it runs again alone, on its own thread
  std::condition_variable cv;
};

namespace {

error unexpected(const char* what) { return {errc::internal, std::string("transaction failed: ") + what}; }

}  // namespace

group_commit::queue& group_commit::queue_for(const std::string& key) {
  std::lock_guard lock(queues_mu_);
  auto& q = queues_[key];
  if (!q) q = std::make_unique<queue>();
  return *q;
}

result<void> group_commit::run(const std::string& key, const body& fn, const std::function<void()>& after_commit) {
  auto& q = queue_for(key);
  waiter self(&fn, &after_commit);
  std::unique_lock lock(q.mu);
  q.waiting.push_back(&self);
  while (!self.done && !self.run_alone) {
    if (self.taken || q.leading >= max_groups_) {
      self.cv.wait(lock);
      continue;
    }
    // Lead the next group: everyone waiting now (this waiter among them), up to the limit.
    ++q.leading;
    std::vector<waiter*> group;
    while (!q.waiting.empty() && group.size() < max_group_) {
      group.push_back(q.waiting.front());
      group.back()->taken = true;
      q.waiting.pop_front();
    }
    if (!q.waiting.empty() && q.leading < max_groups_) q.waiting.front()->cv.notify_one();
    lock.unlock();
    // Nothing may escape here: the members sleep until the leader settles them.
    std::vector<waiter*> settled;
    try {
      commit_group(q, group, settled);
    } catch (const std::exception& e) {
      fail_unsettled(q, group, settled, unexpected(e.what()));
    } catch (...) {
      fail_unsettled(q, group, settled, unexpected("unknown error"));
    }
    lock.lock();
    --q.leading;
    if (!q.waiting.empty()) q.waiting.front()->cv.notify_one();  // the next leader
  }
  if (self.done) return self.outcome;
  // This body failed in a group. It runs again alone, here: the leader's caller does not wait
  // for it, and several such bodies run at once.
  lock.unlock();
  self.outcome = commit_alone(fn);
  if (self.outcome && after_commit) {
    try {
      after_commit();
    } catch (...) {
    }
  }
  return self.outcome;
}

void group_commit::release(queue& q, const std::vector<waiter*>& members, std::vector<waiter*>& settled) {
  settled.insert(settled.end(), members.begin(), members.end());
  std::lock_guard lock(q.mu);
  for (auto* w : members) {
    w->run_alone = true;
    w->cv.notify_one();
  }
}

void group_commit::settle(queue& q, const std::vector<waiter*>& members, std::vector<waiter*>& settled) {
  for (auto* w : members) {
    if (!w->outcome || !w->after || !*w->after) continue;
    try {
      (*w->after)();
    } catch (...) {
      // The transaction is committed; what did not go out is recovered later (the sweep, the
      // event log).
    }
  }
  // Once done, a member may return and its waiter be gone: only its address is kept.
  settled.insert(settled.end(), members.begin(), members.end());
  std::lock_guard lock(q.mu);
  for (auto* w : members) {
    w->done = true;
    w->cv.notify_one();
  }
}

void group_commit::fail_unsettled(queue& q, const std::vector<waiter*>& group, std::vector<waiter*>& settled,
                                  const error& why) {
  std::vector<waiter*> left;
  for (auto* w : group)
    if (std::find(settled.begin(), settled.end(), w) == settled.end()) left.push_back(w);
  for (auto* w : left) w->outcome = boost::outcome_v2::failure(why);
  settle(q, left, settled);
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
  } catch (...) {
    return boost::outcome_v2::failure(unexpected("unknown error"));
  }
}

// Members are settled as soon as their own transaction has committed or failed: those that
// committed together do not wait for one that runs alone afterwards.
void group_commit::commit_group(queue& q, const std::vector<waiter*>& group, std::vector<waiter*>& settled) {
  if (group.size() == 1) {
    // Alone from the start: it runs within this group's slot, so that others queue meanwhile.
    group.front()->outcome = commit_alone(*group.front()->fn);
    settle(q, group, settled);
    return;
  }
  std::vector<waiter*> together(group.begin(), group.end()), alone;
  while (together.size() > 1) {
    std::size_t failed_at = together.size();  // none yet
    try {
      auto conn = db_.acquire();
      pqxx::work tx(*conn);
      tx.exec("set local lock_timeout = '1s'");
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
        settle(q, together, settled);
        together.clear();
      }
    } catch (const pqxx::in_doubt_error& e) {
      // The commit may or may not have happened: running the bodies again could do them twice.
      for (auto* w : together) w->outcome = boost::outcome_v2::failure(classify(e));
      settle(q, together, settled);
      together.clear();
    } catch (const std::exception& e) {
      if (failed_at == together.size()) {
        // No body to blame: the database is out of reach (everyone gets that, rather than
        // each waiting for it in turn), or the commit failed (each tries alone).
        auto why = classify(e);
        if (why.code == errc::unavailable) {
          for (auto* w : together) w->outcome = boost::outcome_v2::failure(why);
          settle(q, together, settled);
        } else {
          alone.insert(alone.end(), together.begin(), together.end());
        }
        together.clear();
      }
    } catch (...) {
      if (failed_at == together.size()) {
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
  release(q, alone, settled);
}

}  // namespace sf::storage
