#pragma once
// A job in three phases, each called by the job runtime (actors/):
//   begin  - claim the row (queued|retrying -> running), or learn there is nothing to do;
//   run    - the work itself, blocking, with checkpoints between steps;
//   commit - one transaction with the job's effect, its end state and the course's move.
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pipeline/services.hpp"
#include "storage/extractions.hpp"
#include "storage/records.hpp"

namespace pqxx {
class transaction_base;
}

namespace sf::pipeline {

class journal;

class job_context {
 public:
  virtual ~job_context() = default;
  // Reports progress (0..100 of this job) and returns false when the job must stop:
  // it was cancelled or ran out of time.
  virtual bool checkpoint(int progress, const std::string& step) = 0;
};

struct extracted {
  storage::extraction_record extraction;
  bool reused = false;  // the same bytes were extracted before: no reading was done
};
struct source_rejected {
  std::string reason;
};
struct material_ready {
  std::string content_json;
  std::string provider;
};
struct nothing_to_store {};  // a job whose success is the whole result (probes)
struct needs_ocr {            // the native pass found pages only OCR can read
  int pages = 0;
};
using job_effect = std::variant<extracted, source_rejected, material_ready, nothing_to_store, needs_ocr>;

// Thrown (not returned) by a probe told to crash its actor: it must escape run_job.
struct probe_crash {};

struct begin_result {
  // run: do the work; skip: ack, nothing to do; wait: another node runs it, deliver later;
  // fail: the job must end failed without running (it killed its node too often: poison).
  enum class action { run, skip, wait, fail } what = action::skip;
  storage::job_record job;  // valid for run and fail
  std::string why;
};

// Claims a batch of delivered jobs in one transaction; one result per id, in order. An id
// that is not a job's, or comes twice, is skipped. `kinds`: the kinds the messages name; a
// batch of kinds without a course is claimed in one statement without a transaction.
// `stale_after_ms`: a `running` row whose heartbeat is older is taken over (its node died).
// `lane`: the lane whose group commit the claim joins.
result<std::vector<begin_result>> begin_jobs(services& s, const std::string& lane, const std::vector<std::string>& job_ids,
                                             const std::vector<std::string>& kinds, int stale_after_ms);
result<job_effect> run_job(services& s, const storage::job_record& job, job_context& ctx);
result<void> commit_success(services& s, const storage::job_record& job, const job_effect& effect);
// The same for a job without a course, without waiting: its end shares a statement with
// others, and `done` gets what commit_success would return, on the thread that ran it. False,
// and nothing done, for a job with a course.
bool commit_success_then(services& s, const storage::job_record& job, std::function<void(result<void>)> done);
// `final_attempt`: the job ends failed (and its material or source with it); otherwise it is
// marked retrying, due again after `retry_delay_ms`.
result<void> commit_failure(services& s, const storage::job_record& job, const error& e, bool final_attempt,
                            int retry_delay_ms = 0);
// The sweep's commit_failure for a job found stale: ends it only if it is still silent for
// `stale_after_ms` once its row is locked. Returns whether it did.
result<bool> settle_stale(services& s, const storage::job_record& job, const error& e, bool final_attempt,
                          int stale_after_ms);
result<void> commit_cancelled(services& s, const storage::job_record& job, const std::string& why);
// For a job just marked cancelled, in its transaction: its material fails as cancelled and its
// course is judged again, so that neither waits for a job that will not run.
void release_cancelled(pqxx::transaction_base& tx, journal& j, const storage::job_record& job);
// Returns whether a cancel was requested meanwhile (a fallback for a lost cancel broadcast).
result<bool> record_progress(services& s, const storage::job_record& job, int progress, const std::string& step);

}  // namespace sf::pipeline
