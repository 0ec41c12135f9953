#pragma once
// One job actor per running job. Its work blocks (MuPDF, Tesseract, libcurl, libpqxx), so
// it runs on a thread of the lane's worker pool, never on a scheduler thread. The actor
// reports to its lane supervisor exactly once, with what to do with the message: ack (done,
// or nothing to do), nak with a delay (try again), or term. Work that throws ends the actor
// without a report, which its supervisor notices.
//
//   begin ──run──> running ──ok──> commit success ──> ack
//     │               ├─cancelled──> commit cancelled ──> ack
//     │               ├─time limit─> commit failed(time_limit) ──> ack
//     │               ├─transient, attempts left─> commit retrying ──> nak(backoff)
//     │               └─otherwise──> commit failed ──> term
//     ├─skip (ended, cancelled, unknown) ──> ack
//     ├─wait (alive on another node) ──> nak(stale period)
//     └─fail (poison) ──> commit failed ──> term
#include "actors/messages.hpp"
#include "actors/worker_pool.hpp"
#include "pipeline/jobs.hpp"
#include "pipeline/services.hpp"

#include <chrono>
#include <optional>

namespace sf::actors {

struct job_args {
  pipeline::services* services = nullptr;
  caf::actor registry;
  caf::actor supervisor;
  std::string lane;
  std::string job_id;
  std::string kind;  // "sweep" is the scheduled lane's system task, not a job row
  control_ptr control;
  int stale_after_ms = 10000;
  std::vector<int> backoff_s;
  // When the supervisor gives up on the job (its kind's hard limit) and kills its actor.
  std::chrono::steady_clock::time_point hard_deadline = std::chrono::steady_clock::time_point::max();
  // The claim of the job (its lane claims a fetched batch at once); empty for a sweep.
  std::optional<result<pipeline::begin_result>> begun;
  // The lane's threads: a commit that did not go through in a shared statement is tried
  // again on one of them. Not owned: a task holding the last owner of its own pool would end
  // the pool on one of its threads.
  std::weak_ptr<worker_pool> pool;
};

// The actor waits for the outcome of its job's work and reports it to its supervisor.
caf::behavior job_actor(caf::event_based_actor* self, caf::actor supervisor, std::string job_id);
// The work itself, for the lane's pool; it reports to `actor`. The supervisor hands it to the
// pool, so no job actor ever owns the pool (whose last owner's destructor joins its threads).
worker_pool::task job_work(job_args args, caf::actor actor);

}  // namespace sf::actors
