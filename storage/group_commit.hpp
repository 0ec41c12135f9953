#pragma once
// Group commit: transactions that arrive while another group is committing wait, and then
// run together in one PostgreSQL transaction on one connection. Under load one BEGIN/COMMIT
// and one connection serve many jobs; alone, a transaction runs as it would by itself.
//
// A waiter that finds fewer than `max_groups` groups committing leads the next group and runs every body in
// turn; the others sleep until their group has committed. If a body fails or throws, the
// group is rolled back, that body runs again alone (on its own caller's thread) and the rest
// again together, so one bad transaction never takes its neighbours' results with it. Bodies must therefore be safe to
// run again after a rollback: they may only touch the transaction and their own state.
//
// A group holds the row locks of all its bodies until it commits. So that one body waiting
// for a lock held elsewhere does not hold up the others, a group waits at most a second for
// any lock; the body that waited then runs alone, without that limit. A transaction elsewhere
// that locks rows in another order can deadlock with a group; PostgreSQL breaks the cycle and
// a group that loses runs its bodies again.
//
// `after_commit` hooks (publishing a transaction's events) run in commit order on the thread
// that led the group, so events of one course written by one group go out in `seq` order. A
// body re-run alone runs, and publishes, on its caller's thread.
//
// One queue per key (a job lane), so a lane's commits never wait behind another lane's.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "storage/pool.hpp"

namespace sf::storage {

class group_commit {
 public:
  using body = std::function<result<void>(pqxx::work&)>;

  // At most `max_group` bodies share one transaction, and at most `max_groups` groups of a
  // key commit at once (each on its own connection).
  explicit group_commit(pool& db, std::size_t max_group = 64, int max_groups = 4)
      : db_(db), max_group_(max_group), max_groups_(max_groups) {}

  // Runs `fn` in a transaction shared with other waiters of `key`, and returns once that
  // transaction has committed (success, after `after_commit` ran) or `fn`'s own transaction
  // failed (its error). When the database cannot be reached the whole group gets that error.
  result<void> run(const std::string& key, const body& fn, const std::function<void()>& after_commit = {});

 private:
  struct waiter;
  struct queue {
    std::mutex mu;
    std::deque<waiter*> waiting;
    int leading = 0;  // groups committing now
  };

  queue& queue_for(const std::string& key);
  // `settled` collects the members already woken (whose waiters may be gone).
  void commit_group(queue& q, const std::vector<waiter*>& group, std::vector<waiter*>& settled);
  result<void> commit_alone(const body& fn);
  // Runs the after-commit hooks of members that committed, then wakes the members.
  static void settle(queue& q, const std::vector<waiter*>& members, std::vector<waiter*>& settled);
  // Wakes members whose bodies must run again alone, on their own threads.
  static void release(queue& q, const std::vector<waiter*>& members, std::vector<waiter*>& settled);
  static void fail_unsettled(queue& q, const std::vector<waiter*>& group, std::vector<waiter*>& settled,
                             const error& why);

  pool& db_;
  std::size_t max_group_;
  int max_groups_;
  std::mutex queues_mu_;
  std::map<std::string, std::unique_ptr<queue>> queues_;
};

}  // namespace sf::storage
