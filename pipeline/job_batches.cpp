#include "pipeline/job_batches.hpp"

#include "pipeline/with_db.hpp"

namespace sf::pipeline {
namespace {

// Up to 64 rows a statement, and one statement of a kind at a time: the next batch gathers
// while one is at the database. (Two at a time made batches of 1.7 rows and cost PostgreSQL
// a third more per job in bench/jobs.)
constexpr std::size_t max_batch = 64;
constexpr int max_leaders = 1;

}  // namespace

job_batches::job_batches(storage::pool& db, std::string node_id)
    : creates_(
          [&db](const std::vector<storage::new_job>& jobs) {
            return with_db<pqxx::nontransaction>(db, [&](pqxx::nontransaction& tx) -> result<std::vector<storage::job_record>> {
              return storage::create_jobs(tx, jobs);
            });
          },
          max_batch, max_leaders),
      finishes_(
          [&db, node = std::move(node_id)](const std::vector<storage::attempt_end>& ends) {
            return with_db<pqxx::nontransaction>(
                db, [&](pqxx::nontransaction& tx) -> result<std::vector<std::optional<storage::finished_attempt>>> {
                  return storage::finish_attempts(tx, ends, node);
                });
          },
          max_batch, max_leaders) {}

}  // namespace sf::pipeline
