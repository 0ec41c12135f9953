#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/batch_queue.hpp"

using namespace std::chrono_literals;

namespace {

// Runs `threads` callers of `c` at once, each with its own input; their results in order.
std::vector<sf::result<int>> run_together(sf::batch_queue<int, int>& c, int threads) {
  std::vector<std::optional<sf::result<int>>> got(static_cast<std::size_t>(threads));
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i) ts.emplace_back([&, i] { got[static_cast<std::size_t>(i)].emplace(c.run(i)); });
  for (auto& t : ts) t.join();
  std::vector<sf::result<int>> out;
  for (auto& g : got) out.push_back(std::move(*g));
  return out;
}

}  // namespace

TEST_CASE("a lone call runs at once with just its own input") {
  std::vector<std::size_t> sizes;
  sf::batch_queue<int, int> c(
      [&](const std::vector<int>& in) -> sf::result<std::vector<int>> {
        sizes.push_back(in.size());
        return std::vector<int>{in[0] + 1};
      },
      8, 1);
  auto r = c.run(41);
  REQUIRE(r);
  CHECK(r.value() == 42);
  CHECK(sizes == std::vector<std::size_t>{1});
}

TEST_CASE("calls that arrive while a batch runs share the next, and each gets its own result") {
  std::mutex mu;
  std::vector<std::size_t> sizes;
  sf::batch_queue<int, int> c(
      [&](const std::vector<int>& in) -> sf::result<std::vector<int>> {
        {
          std::lock_guard lock(mu);
          sizes.push_back(in.size());
        }
        std::this_thread::sleep_for(20ms);  // the others arrive meanwhile
        std::vector<int> out;
        for (int x : in) out.push_back(x * 10);
        return out;
      },
      4, 1);
  auto results = run_together(c, 12);
  for (std::size_t i = 0; i < results.size(); ++i) {
    REQUIRE(results[i]);
    CHECK(results[i].value() == static_cast<int>(i) * 10);
  }
  std::size_t total = 0, largest = 0;
  for (auto n : sizes) {
    total += n;
    largest = std::max(largest, n);
  }
  CHECK(total == 12);
  CHECK(largest > 1);   // batched
  CHECK(largest <= 4);  // never past max_batch
  CHECK(sizes.size() < 12);
}

TEST_CASE("a batch's failure, exception or wrong count reaches every member as an error") {
  std::atomic<int> mode{0};
  sf::batch_queue<int, int> c(
      [&](const std::vector<int>& in) -> sf::result<std::vector<int>> {
        std::this_thread::sleep_for(5ms);
        if (mode == 0) return sf::failure(sf::errc::unavailable, "database down");
        if (mode == 1) throw std::runtime_error("boom");
        if (mode == 2) return std::vector<int>(in.size() + 1, 0);
        return in;
      },
      16, 2);
  for (int m = 0; m < 3; ++m) {
    mode = m;
    for (auto& r : run_together(c, 6)) {
      REQUIRE_FALSE(r);
      CHECK(r.error().code == (m == 0 ? sf::errc::unavailable : sf::errc::internal));
    }
  }
  mode = 3;  // and it goes on working afterwards
  auto results = run_together(c, 6);
  for (std::size_t i = 0; i < results.size(); ++i) {
    REQUIRE(results[i]);
    CHECK(results[i].value() == static_cast<int>(i));
  }
}

TEST_CASE("one bad input fails only its own call: the members of a failed batch run again alone") {
  sf::batch_queue<int, int> c(
      [](const std::vector<int>& in) -> sf::result<std::vector<int>> {
        std::this_thread::sleep_for(5ms);
        for (int x : in)
          if (x == 3) return sf::failure(sf::errc::invalid_value, "3 is refused");
        return in;
      },
      16, 1);
  auto results = run_together(c, 8);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i == 3) {
      REQUIRE_FALSE(results[i]);
      CHECK(results[i].error().code == sf::errc::invalid_value);
    } else {
      REQUIRE(results[i]);
      CHECK(results[i].value() == static_cast<int>(i));
    }
  }
}

TEST_CASE("no more than max_leaders batches run at once") {
  std::atomic<int> running{0}, most{0};
  sf::batch_queue<int, int> c(
      [&](const std::vector<int>& in) -> sf::result<std::vector<int>> {
        int now = ++running;
        for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        std::this_thread::sleep_for(1ms);
        --running;
        return in;
      },
      4, 2);
  std::vector<std::thread> ts;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 12; ++t)
    ts.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        auto r = c.run(t * 100 + k);
        if (!r || r.value() != t * 100 + k) ++wrong;
      }
    });
  for (auto& t : ts) t.join();
  CHECK(wrong == 0);
  CHECK(most <= 2);
  CHECK(most >= 1);
}

TEST_CASE("a staged batch's first part runs alone, and the next batch starts once it is done") {
  std::atomic<int> in_first{0}, most_first{0}, in_second{0}, overlapped{0};
  using staged = sf::batch_queue<int, int>::staged_fn;
  sf::batch_queue<int, int> c(
      staged([&](const std::vector<int>& in, const std::function<void()>& let_next) -> sf::result<std::vector<int>> {
        int now = ++in_first;
        for (int seen = most_first; now > seen && !most_first.compare_exchange_weak(seen, now);) {
        }
        if (in_second > 0) ++overlapped;  // this insert runs while another batch waits for its acks
        std::this_thread::sleep_for(1ms);
        --in_first;
        let_next();
        ++in_second;
        std::this_thread::sleep_for(2ms);
        --in_second;
        std::vector<int> out;
        for (int x : in) out.push_back(x + 1);
        return out;
      }),
      16, 2);
  // Submissions keep arriving, as requests do: each poster goes on at once, and one that finds
  // a first part free while a batch waits in its second starts the next batch.
  std::vector<std::thread> ts;
  std::atomic<int> wrong{0}, answered{0};
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int k = 0; k < 60; ++k) {
        int x = t * 100 + k;
        c.post(x, [&, x](sf::result<int> r) {
          if (!r || r.value() != x + 1) ++wrong;
          ++answered;
        });
        std::this_thread::sleep_for(300us);
      }
    });
  for (auto& t : ts) t.join();
  CHECK(answered == 240);  // the last leader ran what was left before returning
  CHECK(wrong == 0);
  CHECK(most_first == 1);  // never two first parts at once
  CHECK(overlapped > 0);   // but a first part beside another batch's second
}

TEST_CASE("a batch queue does not keep its callers waiting, and every posted input gets its own result once") {
  std::mutex mu;
  std::vector<std::size_t> sizes;
  std::atomic<bool> hold{true};
  sf::batch_queue<int, int> q(
      [&](const std::vector<int>& in) -> sf::result<std::vector<int>> {
        {
          std::lock_guard lock(mu);
          sizes.push_back(in.size());
        }
        while (hold) std::this_thread::sleep_for(1ms);  // the first batch runs until the others have posted
        std::vector<int> out;
        for (int x : in) out.push_back(x * 2);
        return out;
      },
      64);
  std::vector<int> got(10, -1);
  std::atomic<int> answered{0};
  auto done = [&](int i) {
    return [&, i](sf::result<int> r) {
      got[static_cast<std::size_t>(i)] = r ? r.value() : -2;
      ++answered;
    };
  };
  std::thread leader([&] { q.post(0, done(0)); });  // leads, and waits in its batch
  while (sizes.empty()) std::this_thread::sleep_for(1ms);
  for (int i = 1; i < 10; ++i) q.post(i, done(i));  // each returns at once: a batch runs
  CHECK(answered == 0);
  hold = false;
  leader.join();  // the leader runs what was posted meanwhile, in one more batch
  CHECK(answered == 10);
  for (int i = 0; i < 10; ++i) CHECK(got[static_cast<std::size_t>(i)] == 2 * i);
  CHECK(sizes == std::vector<std::size_t>{1, 9});
  auto alone = q.run(21);  // and one that waits for its result gets it
  REQUIRE(alone);
  CHECK(alone.value() == 42);
}

TEST_CASE("a failed batch of a batch queue runs again member by member") {
  std::vector<std::size_t> sizes;
  sf::batch_queue<int, int> q(
      [&](const std::vector<int>& in) -> sf::result<std::vector<int>> {
        sizes.push_back(in.size());
        for (int x : in)
          if (x == 3) return sf::failure(sf::errc::invalid_value, "3 is refused");
        return in;
      },
      64);
  std::vector<sf::result<int>> got;
  auto keep = [&](sf::result<int> r) { got.push_back(std::move(r)); };
  // Posted from inside a running batch's callback, so that they gather: they run together.
  q.post(-1, [&](sf::result<int>) {
    for (int x : {1, 2, 3, 4}) q.post(x, keep);
  });
  CHECK(sizes == std::vector<std::size_t>{1, 4, 1, 1, 1, 1});  // the four together, then each alone
  REQUIRE(got.size() == 4);
  CHECK(got[0].value() == 1);
  CHECK(got[1].value() == 2);
  REQUIRE_FALSE(got[2]);
  CHECK(got[2].error().code == sf::errc::invalid_value);
  CHECK(got[3].value() == 4);
}

TEST_CASE("a callback that throws loses only its own answer, and the queue goes on") {
  sf::batch_queue<int, int> q([](const std::vector<int>& in) -> sf::result<std::vector<int>> { return in; }, 64);
  std::vector<int> got;
  q.post(-1, [&](sf::result<int>) {
    // Posted while a batch runs, so that the three share the next one.
    q.post(1, [&](sf::result<int> r) { got.push_back(r.value()); });
    q.post(2, [](sf::result<int>) { throw std::runtime_error("a careless callback"); });
    q.post(3, [&](sf::result<int> r) { got.push_back(r.value()); });
  });
  CHECK(got == std::vector<int>{1, 3});
  auto after = q.run(7);  // a leader that threw would have kept its place: this would wait for ever
  REQUIRE(after);
  CHECK(after.value() == 7);
}
