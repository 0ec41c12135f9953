#pragma once
#include <optional>
#include <pqxx/types.hxx>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace sf::storage {

struct new_job {
  std::string id;  // empty: made by create_jobs. Given: a job made already is returned as it is
  std::string owner_id;
  std::optional<std::string> course_id, source_id, material_id;
  std::string kind;
  std::string lane;
  std::string cluster;  // the NATS namespace whose streams carry it
  int max_attempts = 3;
  std::string payload_json = "{}";
};

// New queued jobs, in one statement for the batch; in the order given. Idempotent for jobs
// whose ids are given, so a batch whose outcome was lost can run again.
std::vector<job_record> create_jobs(pqxx::transaction_base& tx, const std::vector<new_job>& jobs);
job_record create_job(pqxx::transaction_base& tx, const new_job& j);
// Jobs whose message could not be published, marked failed with `error` unless a node took
// them meanwhile (their message did arrive). Returns the ids marked.
std::vector<std::string> fail_unpublished_jobs(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                               const std::string& error);
std::optional<job_record> find_job(pqxx::transaction_base& tx, const std::string& id, bool for_update = false);
// Owner-scoped; an admin passes an empty owner to see every job.
std::optional<job_record> find_owned_job(pqxx::transaction_base& tx, const std::string& owner_id, const std::string& id);
std::vector<job_record> list_jobs(pqxx::transaction_base& tx, const std::string& owner_id,
                                  const std::optional<std::string>& status, const std::optional<std::string>& lane,
                                  int limit);

// queued|retrying -> running, attempt raised, its first step named, for each of `ids` that
// is startable this way; also takes over a `running` row whose heartbeat is older than
// `stale_after_ms` (its node died) while it has attempts left. One statement for the whole
// batch, which also logs the start (attempt, node) of each job without a course: such a job's
// log is job_events alone, while a course's jobs log to its event stream in order with the
// course's other events (pipeline/). `without_course_only`: jobs of a course are left as they
// are. Returns the jobs started, in no particular order.
std::vector<job_record> start_jobs(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                   const std::string& node_id, int stale_after_ms, bool without_course_only = false);
// True when a `running` row's heartbeat is older than `stale_after_ms`.
bool heartbeat_stale(pqxx::transaction_base& tx, const std::string& id, int stale_after_ms);
void set_job_progress(pqxx::transaction_base& tx, const std::string& id, int progress, const std::string& step);
// Terminal or retrying states; `error` kept for failed and retrying. A retrying job is due
// again after `due_in_ms`.
void set_job_status(pqxx::transaction_base& tx, const std::string& id, const std::string& status,
                    const std::optional<std::string>& error, int due_in_ms = 0);
// Milliseconds since the current attempt started (0 when not running).
long long attempt_duration_ms(pqxx::transaction_base& tx, const std::string& id);
std::vector<job_event_record> job_history(pqxx::transaction_base& tx, const std::string& id);

// For the sweep of one cluster: running jobs whose heartbeat stopped, and waiting jobs whose
// message has been out longer than `older_than_ms` (queued) or that are overdue by that much
// (retrying).
std::vector<job_record> stale_running_jobs(pqxx::transaction_base& tx, const std::string& cluster, int stale_after_ms,
                                           int limit);
std::vector<job_record> waiting_jobs(pqxx::transaction_base& tx, const std::string& cluster, const std::string& lane,
                                     int older_than_ms, int limit);
void mark_published(pqxx::transaction_base& tx, const std::string& id);

struct lane_db_stats {
  std::string lane;
  long long waiting = 0;
  long long running = 0;
  long long failed_last_hour = 0;
  double oldest_waiting_age_s = 0;
};
std::vector<lane_db_stats> lane_stats(pqxx::transaction_base& tx, const std::string& cluster);
void heartbeat_jobs(pqxx::transaction_base& tx, const std::vector<std::string>& ids);

// Ends attempt `attempt` of a running job (status succeeded, failed or retrying) in one
// statement, which also logs the end (attempt, node, duration, error) of a job without a
// course, as start_jobs does its start; nullopt when the job is no longer running that attempt
// (cancelled, timed out or taken over meanwhile).
struct finished_attempt {
  long long duration_ms = 0;
  int progress = 0;
};
// The end of one attempt, for finish_attempts.
struct attempt_end {
  std::string id;
  int attempt = 0;
  std::string status;
  std::optional<std::string> error;
  int due_in_ms = 0;
};
// Many attempts' ends (of `node_id`'s jobs) in one statement; one answer per end, in order.
std::vector<std::optional<finished_attempt>> finish_attempts(pqxx::transaction_base& tx,
                                                             const std::vector<attempt_end>& ends,
                                                             const std::string& node_id);
// With `only_if_silent_ms`, only a job that has sent no heartbeat for that long is ended: the
// row is locked first and looked at again, so a heartbeat on its way when the job was found
// stale (and committed while we waited for the row) keeps it running.
std::optional<finished_attempt> finish_attempt(pqxx::transaction_base& tx, const std::string& id, int attempt,
                                               const std::string& node_id, const std::string& status,
                                               const std::optional<std::string>& error, int due_in_ms = 0,
                                               int only_if_silent_ms = 0);
bool cancel_requested(pqxx::transaction_base& tx, const std::string& id);
void request_cancel(pqxx::transaction_base& tx, const std::string& id);
// failed -> queued with `more_attempts` more. Attempts are numbered on, never reset: a result
// is written only by the claim of its attempt's number (finish_attempts), so a late commit of
// an earlier run can never land on the new one.
void requeue_job(pqxx::transaction_base& tx, const std::string& id, int more_attempts);

}  // namespace sf::storage
