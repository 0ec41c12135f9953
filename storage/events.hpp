#pragma once
// The per-course event log: sequence numbers rise by one per course, allocated under the
// course row's lock so they are gap-free and ordered by commit.
#include <optional>
#include <pqxx/types.hxx>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace sf::storage {

struct new_event {
  std::string course_id;
  std::optional<std::string> job_id;
  std::string kind;    // the job kind, or "course"
  std::string status;  // the job or course status after the transition
  int progress = 0;
  int course_progress = 0;
  std::optional<std::string> step;
  std::optional<std::string> detail_json;
};

event_record append_event(pqxx::transaction_base& tx, const new_event& e);
// Events of jobs without a course (no sequence number), in one statement.
struct job_log_entry {
  std::string job_id, kind, status;
  std::optional<std::string> detail_json;
};
void append_job_logs(pqxx::transaction_base& tx, const std::vector<job_log_entry>& entries);
std::vector<event_record> events_since(pqxx::transaction_base& tx, const std::string& course_id, long long since, int limit);

}  // namespace sf::storage
