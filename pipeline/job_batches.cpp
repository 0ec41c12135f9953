#include "pipeline/job_batches.hpp"

#include "pipeline/with_db.hpp"

namespace sf::pipeline {
namespace {

// Up to 64 rows a statement, and one statement of a kind at a time: the next batch gathers
// while one is at the database. (Two at a time made batches of 1.7 rows and cost PostgreSQL
// a third more per job in bench/jobs.)
constexpr std::size_t max_batch = 64;
constexpr int max_leaders = 1;

// A batch as one statement on a pooled connection, committed as it runs.
template <class In, class Statement>
auto one_statement(storage::pool& db, Statement statement) {
  return [&db, statement = std::move(statement)](const std::vector<In>& rows) {
    using out = decltype(statement(std::declval<pqxx::nontransaction&>(), rows));
    return with_db<pqxx::nontransaction>(db, [&](pqxx::nontransaction& tx) -> result<out> { return statement(tx, rows); });
  };
}

}  // namespace

job_batches::job_batches(storage::pool& db, std::string node_id)
    : creates_(one_statement<storage::new_job>(db, storage::create_jobs), max_batch, max_leaders),
      finishes_(one_statement<storage::attempt_end>(
                    db, [node = std::move(node_id)](pqxx::nontransaction& tx, const std::vector<storage::attempt_end>& ends) {
                      return storage::finish_attempts(tx, ends, node);
                    }),
                max_batch, max_leaders) {}

}  // namespace sf::pipeline
