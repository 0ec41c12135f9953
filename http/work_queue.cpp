#include "http/work_queue.hpp"

#include <pthread.h>

namespace sf::http {

work_queue::work_queue(int threads, int max_pending) : max_pending_(static_cast<std::size_t>(max_pending)) {
  for (int i = 0; i < threads; ++i)
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "sf.request");  // apart from I/O threads in `top -H`
      loop();
    });
}

work_queue::~work_queue() { stop(); }

bool work_queue::try_post(std::function<void()> task, std::size_t room) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || tasks_.size() >= max_pending_ * room) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void work_queue::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

std::size_t work_queue::pending() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void work_queue::loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace sf::http
