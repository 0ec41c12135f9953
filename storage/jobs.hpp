#pragma once
#include <optional>
#include <pqxx/types.hxx>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace sf::storage {

struct new_job {
  std::string owner_id;
  std::optional<std::string> course_id, source_id, material_id;
  std::string kind;
  std::string lane;
  int max_attempts = 3;
};

job_record create_job(pqxx::transaction_base& tx, const new_job& j);
std::optional<job_record> find_job(pqxx::transaction_base& tx, const std::string& id, bool for_update = false);
// Owner-scoped; an admin passes an empty owner to see every job.
std::optional<job_record> find_owned_job(pqxx::transaction_base& tx, const std::string& owner_id, const std::string& id);
std::vector<job_record> list_jobs(pqxx::transaction_base& tx, const std::string& owner_id,
                                  const std::optional<std::string>& status, const std::optional<std::string>& lane,
                                  int limit);

// queued|retrying -> running, attempt raised; also takes over a `running` row whose heartbeat
// is older than `stale_after_ms` (its node died). nullopt when the job is not startable.
std::optional<job_record> start_job(pqxx::transaction_base& tx, const std::string& id, const std::string& node_id,
                                    int stale_after_ms);
// True when a `running` row's heartbeat is older than `stale_after_ms`.
bool heartbeat_stale(pqxx::transaction_base& tx, const std::string& id, int stale_after_ms);
void set_job_progress(pqxx::transaction_base& tx, const std::string& id, int progress, const std::string& step);
// Terminal or retrying states; `error` kept for failed and retrying.
void set_job_status(pqxx::transaction_base& tx, const std::string& id, const std::string& status,
                    const std::optional<std::string>& error);
void heartbeat_jobs(pqxx::transaction_base& tx, const std::vector<std::string>& ids);
bool cancel_requested(pqxx::transaction_base& tx, const std::string& id);
void request_cancel(pqxx::transaction_base& tx, const std::string& id);
// failed -> queued with a fresh set of attempts.
void requeue_job(pqxx::transaction_base& tx, const std::string& id);

}  // namespace sf::storage
