// Group commit against the real PostgreSQL: transactions that wait together commit together,
// and one failing transaction never takes its neighbours' work with it.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
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

}  // namespace

TEST_CASE("concurrent transactions share commits, and a failing one is retried alone without the others' loss") {
  sf::storage::pool db(database_url(), 8);
  sf::storage::group_commit commits(db, 64, 1);
  auto admin = db.acquire();
  auto table = scratch_table(*admin);

  constexpr int n = 24;
  std::atomic<int> ready{0};
  std::vector<sf::result<void>> outcomes(n, sf::success());
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < n) std::this_thread::yield();
      outcomes[static_cast<std::size_t>(i)] = commits.run("lane", [&, i](pqxx::work& tx) -> sf::result<void> {
        // The first group holds the line long enough for the rest to queue behind it.
        tx.exec("select pg_sleep(0.05)");
        tx.exec_params("insert into " + table + " values ($1, txid_current())", i);
        if (i == 7) return sf::failure(sf::errc::invalid_value, "body 7 refuses");
        if (i == 11) tx.exec("select 1 / 0");  // a statement error poisons the shared transaction
        return sf::success();
      });
    });
  for (auto& t : threads) t.join();

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

TEST_CASE("a lone transaction commits at once, and keys do not wait for each other") {
  sf::storage::pool db(database_url(), 4);
  sf::storage::group_commit commits(db, 64, 1);
  auto admin = db.acquire();
  auto table = scratch_table(*admin);

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
