// The lane worker pool: threads are kept between tasks, a stuck task does not hold up the
// next one, and the pool waits for its tasks when it goes.
#include <catch2/catch.hpp>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "actors/worker_pool.hpp"

using namespace std::chrono_literals;
using sf::actors::worker_pool;

namespace {

struct gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("worker pool keeps its threads between tasks", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  worker_pool pool(system, 2);
  std::set<std::thread::id> threads;
  for (int i = 0; i < 50; ++i) {
    std::promise<std::thread::id> ran;
    pool.submit([&](caf::blocking_actor* self) {
      REQUIRE(self != nullptr);
      ran.set_value(std::this_thread::get_id());
    });
    threads.insert(ran.get_future().get());
    // The task has answered; give its thread a moment to be back waiting for the next one.
    std::this_thread::sleep_for(10ms);
  }
  // One thread, or two if one was slow to get back: not a thread per task.
  CHECK(threads.size() <= 2);
}

TEST_CASE("worker pool gives a task a new thread while the others are busy", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  gate stuck;
  std::promise<void> second;
  std::atomic<bool> first_done{false};
  {
    worker_pool pool(system, 1);
    pool.submit([&](caf::blocking_actor*) {
      stuck.wait();
      std::this_thread::sleep_for(50ms);
      first_done = true;
    });
    pool.submit([&](caf::blocking_actor*) { second.set_value(); });
    REQUIRE(second.get_future().wait_for(5s) == std::future_status::ready);
    CHECK_FALSE(first_done.load());
    stuck.release();
  }
  CHECK(first_done.load());  // the pool's destructor waited for the task under way
}

TEST_CASE("worker pool runs many tasks at once and counts every one", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  std::atomic<int> done{0};
  {
    worker_pool pool(system, 4);
    for (int i = 0; i < 1000; ++i) pool.submit([&](caf::blocking_actor*) { done.fetch_add(1); });
  }
  CHECK(done.load() == 1000);
}

TEST_CASE("worker pool threads talk to actors through their own scoped actor", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  // Spawned with an argument: CAF 0.17 dereferences an empty argument tuple for a function
  // actor without any, which the sanitizers report.
  auto doubler = system.spawn([](int factor) -> caf::behavior { return {[=](int x) { return factor * x; }}; }, 2);
  worker_pool pool(system, 1);
  std::promise<int> answer;
  pool.submit([&](caf::blocking_actor* self) {
    self->request(doubler, caf::infinite, 21).receive([&](int x) { answer.set_value(x); },
                                                       [&](caf::error&) { answer.set_value(-1); });
  });
  CHECK(answer.get_future().get() == 42);
  caf::anon_send_exit(doubler, caf::exit_reason::user_shutdown);
}

TEST_CASE("worker pool threads carry the pool's name and niceness", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  const int base = ::getpriority(PRIO_PROCESS, 0);
  worker_pool pool(system, 1, "sf.ocr", 5);
  std::promise<std::pair<std::string, int>> seen;
  pool.submit([&](caf::blocking_actor*) {
    char buf[16] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    seen.set_value({buf, ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()))});
  });
  auto [name, nice] = seen.get_future().get();
  CHECK(name == "sf.ocr");
  CHECK(nice == std::min(base + 5, 19));
  // Only the pool's thread yields: the thread that made it keeps its priority.
  CHECK(::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())) == base);
}

TEST_CASE("wait_idle answers whether every task has returned by the deadline", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  worker_pool pool(sys, 2);
  CHECK(pool.wait_idle(std::chrono::steady_clock::now()));  // nothing ever ran
  gate stuck;
  pool.submit([&](caf::blocking_actor*) { stuck.wait(); });
  CHECK_FALSE(pool.wait_idle(std::chrono::steady_clock::now() + 100ms));
  stuck.release();
  CHECK(pool.wait_idle(std::chrono::steady_clock::now() + 10s));
}
