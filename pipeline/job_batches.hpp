#pragma once
// Jobs without a course are made and ended in batches: submissions that arrive together share
// one insert, and attempts that end together one update (storage::create_jobs,
// finish_attempts), each statement committed as it runs. One statement for many rows costs
// PostgreSQL about what one for a single row does, and under load most of a no-op job's
// database time was such fixed costs. Alone, a call runs at once.
#include <optional>
#include <string>

#include "common/combiner.hpp"
#include "storage/jobs.hpp"
#include "storage/pool.hpp"

namespace sf::pipeline {

class job_batches {
 public:
  job_batches(storage::pool& db, std::string node_id);

  result<storage::job_record> create(storage::new_job j) { return creates_.run(std::move(j)); }
  // nullopt: the job no longer runs that attempt (see storage::finish_attempt).
  result<std::optional<storage::finished_attempt>> finish(storage::attempt_end e) { return finishes_.run(std::move(e)); }

 private:
  combiner<storage::new_job, storage::job_record> creates_;
  combiner<storage::attempt_end, std::optional<storage::finished_attempt>> finishes_;
};

}  // namespace sf::pipeline
