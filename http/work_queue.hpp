#pragma once
// A fixed set of threads for blocking request work, with a bounded queue: when it is full
// the caller answers 503 at once instead of letting latency grow without bound.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sf::http {

class work_queue {
 public:
  work_queue(int threads, int max_pending);
  ~work_queue();
  work_queue(const work_queue&) = delete;
  work_queue& operator=(const work_queue&) = delete;

  // False when the queue is full or stopping; the task is then not run. `room` multiplies the
  // bound for work that is cheap to hold and costly to refuse (a refused subscriber reconnects).
  bool try_post(std::function<void()> task, std::size_t room = 1);
  void stop();  // finishes queued tasks, joins the threads
  std::size_t pending() const;

 private:
  void loop();

  std::size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sf::http
