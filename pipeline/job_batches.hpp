#pragma once
// Jobs without a course are made and ended in batches: submissions that arrive together share
// one insert and one publish, and attempts that end together one update
// (storage::create_jobs, messaging::bus::publish_jobs, storage::finish_attempts), each
// statement committed as it runs. One statement for many rows costs PostgreSQL about what one
// for a single row does, and one flush with one wait for many acknowledgements costs the node
// about what one publish does: under load most of a no-op job's time was such fixed costs.
// Alone, a call runs at once.
#include <optional>
#include <string>

#include "common/batch_queue.hpp"
#include "messaging/bus.hpp"
#include "storage/jobs.hpp"
#include "storage/pool.hpp"

namespace sf::pipeline {

class job_batches {
 public:
  job_batches(storage::pool& db, messaging::bus& bus, std::string node_id);

  // Made and queued; `done` gets the outcome, on whichever thread ran the batch. A job made
  // but not published is marked failed with the reason, and the outcome is `unavailable`:
  // nothing claims a job was queued.
  using submitted = result<storage::job_record>;
  void submit_then(storage::new_job j, std::function<void(submitted)> done);
  // nullopt: the job no longer runs that attempt (see storage::finish_attempt).
  result<std::optional<storage::finished_attempt>> finish(storage::attempt_end e) { return finishes_.run(std::move(e)); }
  // The same without waiting: `done` gets the outcome, on whichever thread ran the batch.
  using finished = result<std::optional<storage::finished_attempt>>;
  void finish_then(storage::attempt_end e, std::function<void(finished)> done) {
    finishes_.post(std::move(e), std::move(done));
  }

 private:
  batch_queue<storage::new_job, result<storage::job_record>> submits_;
  batch_queue<storage::attempt_end, std::optional<storage::finished_attempt>> finishes_;
};

}  // namespace sf::pipeline
