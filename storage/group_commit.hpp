#pragma once
// Group commit: transactions that arrive while another group is committing wait, and then
// run together in one PostgreSQL transaction on one connection. Under load one BEGIN/COMMIT
// and one connection serve many jobs; alone, a transaction runs as it would by itself.
//
// A waiter that finds fewer than `max_groups` groups committing leads the next group and runs every body in
// turn; the others sleep until their group has committed. If a body fails or throws, the
// group is rolled back, that body runs again alone and the rest again together, so one bad
// transaction never takes its neighbours' results with it. Bodies must therefore be safe to
// run again after a rollback: they may only touch the transaction and their own state.
//
// A group holds the row locks of all its bodies until it commits. A transaction elsewhere
// that locks rows in another order can then deadlock with the group; PostgreSQL breaks the
// cycle after deadlock_timeout, and a group that loses runs its bodies again.
//
// One queue per key (a job lane), so a lane's commits never wait behind another lane's.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/transaction>
#include <string>

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
  // transaction has committed (success) or `fn`'s own transaction failed (its error).
  result<void> run(const std::string& key, const body& fn);

 private:
  struct waiter;
  struct queue {
    std::mutex mu;
    std::deque<waiter*> waiting;
    int leading = 0;  // groups committing now
  };

  queue& queue_for(const std::string& key);
  void commit_group(std::deque<waiter*>& group);
  result<void> commit_alone(const body& fn);

  pool& db_;
  std::size_t max_group_;
  int max_groups_;
  std::mutex queues_mu_;
  std::map<std::string, std::unique_ptr<queue>> queues_;
};

}  // namespace sf::storage
