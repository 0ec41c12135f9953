#include "storage/pool.hpp"

#include <poll.h>

#include <pqxx/pqxx>

namespace sf::storage {

pool::lease::lease(pool* owner, std::unique_ptr<pqxx::connection> c) : owner_(owner), conn_(std::move(c)) {}
pool::lease::lease(lease&& o) noexcept : owner_(o.owner_), conn_(std::move(o.conn_)) {}
pool::lease::~lease() {
  if (conn_) owner_->give_back(std::move(conn_));
}

pool::pool(std::string url, int size, std::string application_name)
    : url_(std::move(url)), size_(size), application_name_(std::move(application_name)) {}
pool::~pool() = default;

namespace {

// A session the server ended while it sat idle (PostgreSQL restarted, pg_terminate_backend, a
// proxy's idle timeout) has a readable socket: the backend's last word, then end of file. A
// live idle session has nothing to say, since nothing LISTENs on pooled connections. Handing
// out such a connection would fail the request that got it.
bool ended_while_idle(const pqxx::connection& c) {
  pollfd p{c.sock(), POLLIN, 0};
  return p.fd < 0 || ::poll(&p, 1, 0) != 0;
}

}  // namespace

pool::lease pool::acquire(std::chrono::milliseconds timeout) {
  std::vector<std::unique_ptr<pqxx::connection>> ended;  // closed once the lock is let go
  std::unique_lock lock(mu_);
  while (true) {
    if (!cv_.wait_for(lock, timeout, [&] { return !idle_.empty() || open_ < size_; }))
      throw pqxx::broken_connection("no database connection free within the time limit");
    if (idle_.empty()) break;
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (!ended_while_idle(*c)) return lease(this, std::move(c));
    ended.push_back(std::move(c));
    --open_;
  }
  ++open_;
  lock.unlock();
  ended.clear();
  try {
    auto c = std::make_unique<pqxx::connection>(url_);
    // Every parameterised statement on these connections, named or not, is planned once and
    // the plan kept. For `id = any($1)` the planner's generic estimate assumes ten ids, so left
    // to itself it kept planning the claim of one or two jobs again, and planning cost more
    // than running it (pg_stat_statements: 2,884 plans in 6,161 claims). Set once per
    // connection, not per transaction: a statement per claim was half a statement per job.
    // The rule this sets for our SQL: no optional filters written as `($1 is null or ...)`,
    // which a generic plan cannot turn into an index condition (see list_jobs).
    c->set_variable("plan_cache_mode", "force_generic_plan");
    // A connection keeps its plans for its life, and a plan made while a table was nearly
    // empty scans it: on a new database the claim's plan read every job ever made, until
    // autovacuum's next ANALYZE (up to a minute) replanned it. Our statements find rows by
    // key; a query with no index to use still scans (the sweep's look for rejected files).
    c->set_variable("enable_seqscan", "off");
    if (!application_name_.empty()) {
      std::string quoted = "'";  // appended, not built with +, which GCC 12 misreads (-Wrestrict)
      quoted += c->esc(application_name_);
      quoted += '\'';
      c->set_variable("application_name", quoted);
    }
    return lease(this, std::move(c));
  } catch (...) {
    std::lock_guard relock(mu_);
    --open_;
    cv_.notify_one();
    throw;
  }
}

void pool::give_back(std::unique_ptr<pqxx::connection> c) {
  std::lock_guard lock(mu_);
  if (c->is_open()) idle_.push_back(std::move(c));
  else --open_;  // a broken connection is dropped; the next acquire opens a new one
  cv_.notify_one();
}

bool pool::healthy() {
  try {
    auto c = acquire(std::chrono::seconds(2));
    pqxx::nontransaction tx(*c);
    tx.exec("select 1");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

error classify(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) || dynamic_cast<const pqxx::in_doubt_error*>(&e))
    return error{errc::unavailable, "the database is unavailable"};
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) || dynamic_cast<const pqxx::deadlock_detected*>(&e))
    return error{errc::transient, "database conflict, retry"};
  // A row named by the write was deleted meanwhile (a course deleted while a source or
  // material was being added to it).
  if (dynamic_cast<const pqxx::foreign_key_violation*>(&e)) return error{errc::not_found, "it was deleted meanwhile"};
  return error{errc::internal, std::string("database error: ") + e.what()};
}

}  // namespace sf::storage
