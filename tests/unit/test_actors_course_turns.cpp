// Course actors: one course's commits run one at a time, on the caller's thread; different
// courses run side by side; a turn is never lost to a caller that went away or to a course
// actor that was stopped.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "actors/course_actor.hpp"

using namespace std::chrono_literals;
using sf::actors::commit_in_course;
using sf::actors::course_registry;

namespace {

struct system_with_registry {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor registry = sys.spawn(course_registry, 60);
  ~system_with_registry() { caf::anon_send(registry, sf::actors::drain_atom::value); }
};

// Runs `fn` for `course` on a thread of its own, as a job's pool thread does.
std::future<sf::result<void>> commit_on_thread(caf::actor_system& sys, const caf::actor& registry, std::string course,
                                               std::function<sf::result<void>()> fn) {
  return std::async(std::launch::async, [&sys, registry, course = std::move(course), fn = std::move(fn)] {
    caf::scoped_actor self{sys};
    return commit_in_course(self.ptr(), registry, course, fn);
  });
}

}  // namespace

TEST_CASE("one course's commits take turns, on the callers' own threads", "[actors]") {
  system_with_registry s;
  std::atomic<int> inside{0}, most{0}, done{0};
  std::vector<std::future<sf::result<void>>> callers;
  for (int t = 0; t < 4; ++t)
    callers.push_back(std::async(std::launch::async, [&] {
      caf::scoped_actor self{s.sys};
      auto me = std::this_thread::get_id();
      for (int i = 0; i < 50; ++i) {
        auto r = commit_in_course(self.ptr(), s.registry, "course-1", [&]() -> sf::result<void> {
          if (std::this_thread::get_id() != me) return sf::failure(sf::errc::internal, "ran on another thread");
          int now = ++inside;
          for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
          }
          std::this_thread::sleep_for(100us);
          --inside;
          ++done;
          return sf::success();
        });
        if (!r) return r;
      }
      return sf::result<void>(sf::success());
    }));
  for (auto& c : callers) REQUIRE(c.get());
  CHECK(done == 200);
  CHECK(most == 1);
}

TEST_CASE("different courses commit side by side", "[actors]") {
  system_with_registry s;
  std::atomic<int> arrived{0};
  // Each waits inside its turn for the other to arrive: taking turns across courses would
  // keep the second out until the first gave up.
  auto meet = [&]() -> sf::result<void> {
    ++arrived;
    auto until = std::chrono::steady_clock::now() + 5s;
    while (arrived < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    if (arrived < 2) return sf::failure(sf::errc::internal, "the other course never came in");
    return sf::success();
  };
  auto a = commit_on_thread(s.sys, s.registry, "course-a", meet);
  auto b = commit_on_thread(s.sys, s.registry, "course-b", meet);
  CHECK(a.get());
  CHECK(b.get());
}

TEST_CASE("a turn held by a caller that went away passes to the next", "[actors]") {
  system_with_registry s;
  {
    // Takes the turn the way commit_in_course does, and ends without giving it back.
    caf::scoped_actor holder{s.sys};
    caf::actor course;
    holder->request(s.registry, 5s, sf::actors::course_atom::value, std::string("course-1"))
        .receive([&](caf::actor& a) { course = a; }, [](caf::error&) {});
    REQUIRE(course);
    bool granted = false;
    holder->request(course, 5s, sf::actors::turn_atom::value).receive([&](bool ok) { granted = ok; }, [](caf::error&) {});
    REQUIRE(granted);
  }
  auto next = commit_on_thread(s.sys, s.registry, "course-1", [] { return sf::result<void>(sf::success()); });
  REQUIRE(next.wait_for(10s) == std::future_status::ready);
  CHECK(next.get());
}

TEST_CASE("callers in line when the course actors stop still commit", "[actors]") {
  system_with_registry s;
  std::promise<void> entered, leave;
  auto holder = commit_on_thread(s.sys, s.registry, "course-1", [&]() -> sf::result<void> {
    entered.set_value();
    leave.get_future().wait();
    return sf::success();
  });
  entered.get_future().wait();
  std::atomic<bool> ran{false};
  auto waiting = commit_on_thread(s.sys, s.registry, "course-1", [&]() -> sf::result<void> {
    ran = true;
    return sf::success();
  });
  std::this_thread::sleep_for(100ms);  // in line behind the holder
  CHECK_FALSE(ran);
  caf::anon_send(s.registry, sf::actors::drain_atom::value);  // as the node's shutdown does
  REQUIRE(waiting.wait_for(10s) == std::future_status::ready);
  CHECK(waiting.get());
  CHECK(ran);
  leave.set_value();
  CHECK(holder.get());
}

TEST_CASE("a course actor retires when idle, and the course's next commit gets a new one", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto registry = sys.spawn(course_registry, 1);
  caf::scoped_actor self{sys};
  auto actor_of = [&] {
    caf::actor a;
    self->request(registry, 5s, sf::actors::course_atom::value, std::string("course-1"))
        .receive([&](caf::actor& found) { a = found; }, [](caf::error&) {});
    return a;
  };
  CHECK(commit_in_course(self.ptr(), registry, "course-1", [] { return sf::result<void>(sf::success()); }));
  auto first = actor_of();
  REQUIRE(first);
  self->monitor(first);
  bool retired = false;
  self->receive([&](caf::down_msg&) { retired = true; }, caf::after(5s) >> [] {});
  REQUIRE(retired);
  auto second = actor_of();
  CHECK(second);
  CHECK(second != first);
  CHECK(commit_in_course(self.ptr(), registry, "course-1", [] { return sf::result<void>(sf::success()); }));
  caf::anon_send(registry, sf::actors::drain_atom::value);
}
