// Group commit against the real PostgreSQL: transactions that wait together commit together,
// and one failing transaction never takes its neighbours' work with it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>
#include <vector>

#include "storage/group_commit.hpp"

namespace {

std::string database_url() {
  const char* url = std::getenv("STUDYFORGE_DATABASE_URL");
  REQUIRE(url != nullptr);
  return url;
}

// A table of its own per run, so reruns on a used database start empty.
std::string scratch_table(pqxx::connection& c) {
  std::string name = "group_commit_test_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  pqxx::work tx(c);
  tx.exec("create table " + name + " (n int primary key, txid bigint not null)");
  tx.commit();
  return name;
}

// Runs `fn(i)` for each i below n, on n threads released together, and waits for them all.
template <class F>
void on_threads_at_once(int n, F fn) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < n) std::this_thread::yield();
      fn(i);
    });
  for (auto& t : threads) t.join();
}

// Each test's pool, group commit over it, a connection of its own and a scratch table.
struct group_commit_setup {
  sf::storage::pool db{database_url(), 8};
  sf::storage::group_commit commits{db, 64, 1};
  sf::storage::pool::lease admin = db.acquire();
  std::string table = scratch_table(*admin);
};

}  // namespace

TEST_CASE_METHOD(group_commit_setup, "concurrent transactions share commits, and a failing one is retried alone without the others' loss") {
  constexpr int n = 24;
  std::vector<sf::result<void>> outcomes(n, sf::success());
  on_threads_at_once(n, [&](int i) {
    outcomes[static_cast<std::size_t>(i)] = commits.run("lane", [&, i](pqxx::work& tx) -> sf::result<void> {
      // The first group holds the line long enough for the rest to queue behind it.
      tx.exec("select pg_sleep(0.05)");
      tx.exec_params("insert into " + table + " values ($1, txid_current())", i);
      if (i == 7) return sf::failure(sf::errc::invalid_value, "body 7 refuses");
      if (i == 11) tx.exec("select 1 / 0");  // a statement error poisons the shared transaction
      return sf::success();
    });
  });

  for (int i = 0; i < n; ++i) {
    INFO("body " << i);
    if (i == 7 || i == 11) CHECK_FALSE(outcomes[static_cast<std::size_t>(i)]);
    else CHECK(outcomes[static_cast<std::size_t>(i)]);
  }
  CHECK(outcomes[7].error().message == "body 7 refuses");

  pqxx::read_transaction tx(*admin);
  std::set<int> rows;
  std::set<long long> txids;
  for (const auto& r : tx.exec("select n, txid from " + table)) {
    rows.insert(r[0].as<int>());
    txids.insert(r[1].as<long long>());
  }
  std::set<int> expected;
  for (int i = 0; i < n; ++i)
    if (i != 7 && i != 11) expected.insert(i);
  CHECK(rows == expected);
  // Groups that failed ran their bodies alone; the others shared transactions. Without
  // grouping there would be 22 transactions.
  CHECK(txids.size() < 22);
}

TEST_CASE_METHOD(group_commit_setup, "a lone transaction commits at once, and keys do not wait for each other") {
  std::atomic<bool> slow_started{false};
  std::thread slow([&] {
    (void)commits.run("ocr", [&](pqxx::work& t) -> sf::result<void> {
      slow_started = true;
      t.exec("select pg_sleep(1)");
      t.exec_params("insert into " + table + " values (1, txid_current())");
      return sf::success();
    });
  });
  while (!slow_started) std::this_thread::yield();
  auto t0 = std::chrono::steady_clock::now();
  auto r = commits.run("chat", [&](pqxx::work& t) -> sf::result<void> {
    t.exec_params("insert into " + table + " values (2, txid_current())");
    return sf::success();
  });
  auto waited = std::chrono::steady_clock::now() - t0;
  slow.join();
  CHECK(r);
  // The chat transaction did not wait for the second-long ocr one.
  CHECK(waited < std::chrono::milliseconds(500));
  pqxx::read_transaction tx(*admin);
  CHECK(tx.exec("select count(*) from " + table)[0][0].as<int>() == 2);
}

TEST_CASE_METHOD(group_commit_setup, "after-commit hooks run in commit order, only for transactions that committed") {
  constexpr int n = 16;
  std::mutex mu;
  std::vector<int> published;
  on_threads_at_once(n, [&](int i) {
    (void)commits.run(
        "lane",
        [&, i](pqxx::work& tx) -> sf::result<void> {
          tx.exec("select pg_sleep(0.02)");
          tx.exec_params("insert into " + table + " values ($1, txid_current())", i);
          if (i == 5) return sf::failure(sf::errc::invalid_value, "no");
          return sf::success();
        },
        [&, i] {
          std::lock_guard lock(mu);
          published.push_back(i);
        });
  });

  // The rows' commit order: by transaction, then by insertion within it (n is the order here).
  pqxx::read_transaction tx(*admin);
  std::vector<int> committed;
  for (const auto& r : tx.exec("select n from " + table + " order by txid, ctid")) committed.push_back(r[0].as<int>());
  CHECK(published.size() == static_cast<std::size_t>(n - 1));
  CHECK(std::find(published.begin(), published.end(), 5) == published.end());
  CHECK(published == committed);
}

TEST_CASE_METHOD(group_commit_setup, "a transaction waiting for a lock held elsewhere does not hold up its group") {
  {
    pqxx::work tx(*admin);
    tx.exec("insert into " + table + " values (0, 0)");
    tx.commit();
  }
  // Another session holds row 0 for three seconds.
  std::atomic<bool> held{false};
  std::thread holder([&] {
    auto c = db.acquire();
    pqxx::work tx(*c);
    tx.exec("select * from " + table + " where n = 0 for update");
    held = true;
    std::this_thread::sleep_for(std::chrono::seconds(3));
    tx.commit();
  });
  while (!held) std::this_thread::yield();

  // A first transaction keeps the lane's one group busy while the others queue, so the
  // blocked one is sure to share a group with them.
  std::atomic<bool> gate_in{false};
  std::thread gate([&] {
    (void)commits.run("lane", [&](pqxx::work& tx) -> sf::result<void> {
      gate_in = true;
      tx.exec("select pg_sleep(0.5)");
      return sf::success();
    });
  });
  while (!gate_in) std::this_thread::yield();
  auto t0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration blocked_took{}, others_took{};
  std::mutex took_mu;
  constexpr int n = 8;
  std::vector<sf::result<void>> outcomes(n, sf::success());
  on_threads_at_once(n, [&](int i) {
    outcomes[static_cast<std::size_t>(i)] = commits.run("lane", [&, i](pqxx::work& tx) -> sf::result<void> {
      if (i == 0) tx.exec("update " + table + " set txid = 1 where n = 0");  // waits for the holder
      else tx.exec_params("insert into " + table + " values ($1, txid_current())", i);
      return sf::success();
    });
    auto took = std::chrono::steady_clock::now() - t0;
    std::lock_guard lock(took_mu);
    if (i == 0) blocked_took = took;
    else others_took = std::max(others_took, took);
  });
  gate.join();
  holder.join();
  for (auto& o : outcomes) CHECK(o);
  // The others committed after the gate and the one-second lock limit, not after the
  // holder's three seconds; the blocked one after the holder.
  CHECK(others_took < std::chrono::milliseconds(2300));
  CHECK(blocked_took >= std::chrono::milliseconds(2000));
  pqxx::read_transaction tx(*admin);
  CHECK(tx.exec("select txid from " + table + " where n = 0")[0][0].as<long long>() == 1);
  CHECK(tx.exec("select count(*) from " + table)[0][0].as<int>() == n);
}
