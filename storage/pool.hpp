#pragma once
// A bounded set of PostgreSQL connections. libpq connections are not thread-safe, so a
// connection belongs to one lease holder at a time.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace sf::storage {

class pool {
 public:
  class lease {
   public:
    lease(pool* owner, std::unique_ptr<pqxx::connection> c);
    lease(lease&&) noexcept;
    lease& operator=(lease&&) = delete;
    ~lease();
    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }

   private:
    pool* owner_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  // `application_name` labels this pool's sessions in pg_stat_activity, so an operator (or a
  // test) can tell which node holds which connection.
  pool(std::string url, int size, std::string application_name = {});
  ~pool();

  // Waits up to `timeout` for a free connection. Throws pqxx::broken_connection when the
  // database is unreachable or the wait times out.
  lease acquire(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // A cheap round trip on a fresh or idle connection.
  bool healthy();

  const std::string& url() const { return url_; }

 private:
  void give_back(std::unique_ptr<pqxx::connection> c);

  std::string url_;
  int size_;
  std::string application_name_;
  int open_ = 0;  // connections in use or idle
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::mutex mu_;
  std::condition_variable cv_;
};

// Maps a database exception to the project's errors: lost connections are `unavailable`.
error classify(const std::exception& e);

}  // namespace sf::storage
