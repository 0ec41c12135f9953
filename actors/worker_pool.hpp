#pragma once
// The threads that job actors run their blocking work on (MuPDF, Tesseract, libcurl,
// libpqxx). Starting a thread per job cost more than a no-op job's own work, so a lane
// keeps its threads: a task goes to an idle thread, and a new thread starts only when none
// is idle. A thread stuck in a task its job actor gave up on (past the hard time limit)
// does not take a slot from the next job: that job simply gets a new thread.
//
// Each thread owns a scoped actor for its lifetime, which its tasks use to talk to other
// actors (the course actors) while they block.
#include <caf/all.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sf::actors {

class worker_pool {
 public:
  using task = std::function<void(caf::blocking_actor*)>;

  // At most `max_idle` threads wait for work; more exit once their task is done. Threads are
  // named `name` (at most 15 characters show), so `top -H` tells a lane's threads apart, and
  // run `nice` steps below the thread that made the pool (Linux gives each thread its own).
  worker_pool(caf::actor_system& system, int max_idle, std::string name = "sf.worker", int nice = 0);
  ~worker_pool();  // waits for the tasks under way
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  void submit(task t);
  // Waits until no task is queued or running; false when one still is at `deadline` (a job
  // given up on past its hard limit may never return).
  bool wait_idle(std::chrono::steady_clock::time_point deadline);

 private:
  void serve();

  caf::actor_system& system_;
  const int max_idle_;
  const std::string name_;
  const int nice_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<task> tasks_;
  int idle_ = 0;
  int running_ = 0;  // tasks under way
  std::condition_variable drained_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::vector<std::thread::id> finished_;  // threads that exited: joined by the next submit
};

}  // namespace sf::actors
