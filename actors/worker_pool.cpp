#include "actors/worker_pool.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sf::actors {

worker_pool::worker_pool(caf::actor_system& system, int max_idle, std::string name, int nice)
    : system_(system), max_idle_(std::max(1, max_idle)), name_(name.substr(0, 15)), nice_(nice) {}

worker_pool::~worker_pool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void worker_pool::submit(task t) {
  std::vector<std::thread> done;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    // Every waiting task needs a waiting thread; any idle thread may take any task. The
    // thread starts before the task is queued: if it cannot start, the caller learns so
    // and nothing is left queued.
    wake = static_cast<std::size_t>(idle_) > tasks_.size();
    if (!wake) threads_.emplace_back([this] { serve(); });
    tasks_.push_back(std::move(t));
    // Threads that exited are joined here, outside the lock, so the list never grows.
    for (auto id : finished_) {
      auto it = std::find_if(threads_.begin(), threads_.end(), [&](const std::thread& th) { return th.get_id() == id; });
      if (it == threads_.end()) continue;
      done.push_back(std::move(*it));
      threads_.erase(it);
    }
    finished_.clear();
  }
  // Woken after the lock is let go: woken under it, the thread would only sleep again on it.
  if (wake) wake_.notify_one();
  for (auto& th : done) th.join();
}

bool worker_pool::wait_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return drained_.wait_until(lock, deadline, [&] { return running_ == 0 && tasks_.empty(); });
}

void worker_pool::serve() {
  pthread_setname_np(pthread_self(), name_.c_str());
  // Relative to the thread that started it, like nice(1). Raising niceness needs no privilege;
  // a thread that cannot still does its work.
  if (nice_ > 0) {
    auto tid = static_cast<id_t>(::gettid());
    errno = 0;  // -1 is a valid niceness: only errno tells a failure
    int now = ::getpriority(PRIO_PROCESS, tid);
    int target = std::min(19, now + nice_);
    if ((now == -1 && errno != 0) || ::setpriority(PRIO_PROCESS, tid, target) != 0)
      spdlog::warn("worker thread {}: cannot run {} steps nicer", name_, nice_);
  }
  {
    caf::scoped_actor self{system_};
    std::unique_lock lock(mu_);
    for (;;) {
      ++idle_;
      wake_.wait(lock, [&] { return !tasks_.empty() || stopping_; });
      --idle_;
      if (tasks_.empty()) break;  // stopping
      auto t = std::move(tasks_.front());
      tasks_.pop_front();
      ++running_;
      lock.unlock();
      try {
        t(self.ptr());
      } catch (...) {
        // Tasks report their own failures; one that throws anyway must not end the thread.
      }
      t = nullptr;
      lock.lock();
      if (--running_ == 0 && tasks_.empty()) drained_.notify_all();
      if (stopping_ || idle_ >= max_idle_) break;
    }
  }
  // Listed for joining only once its scoped actor is gone: the submit that joins it runs on a
  // scheduler thread, which must not wait for an actor's cleanup.
  std::lock_guard lock(mu_);
  finished_.push_back(std::this_thread::get_id());
}

}  // namespace sf::actors
