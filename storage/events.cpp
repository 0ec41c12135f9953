#include "storage/events.hpp"

#include "storage/row_reader.hpp"

namespace sf::storage {
namespace {

event_record read_event(const pqxx::row& r) {
  using namespace detail;
  return event_record{r[0].as<std::string>(), r[1].as<long long>(), opt_text(r[2]), r[3].as<std::string>(),
                      r[4].as<std::string>(), r[5].as<int>(),       r[6].as<int>(), opt_text(r[7]),
                      r[8].as<std::string>()};
}

}  // namespace

// `at` is when the event was written (clock_timestamp), not when its transaction began (now()):
// a transaction may have read and written for a while before it had anything to say.
event_record append_event(pqxx::transaction_base& tx, const new_event& e) {
  return read_event(detail::exec_prepared(tx, "append_event",
      "with s as (update courses set event_seq = event_seq + 1 where id = $1::uuid returning event_seq) "
      "insert into job_events (course_id, seq, job_id, kind, status, progress, course_progress, step, detail, at) "
      "select $1::uuid, s.event_seq, $2::uuid, $3, $4, $5, $6, $7, $8::jsonb, clock_timestamp() from s "
      "returning course_id::text, seq, job_id::text, kind, status, progress, course_progress, step, sf_ts(at)",
      e.course_id, e.job_id, e.kind, e.status, e.progress, e.course_progress, e.step, e.detail_json)[0]);
}

void append_job_logs(pqxx::transaction_base& tx, const std::vector<job_log_entry>& entries) {
  if (entries.empty()) return;
  std::vector<std::string> ids;
  std::vector<std::optional<std::string>> kinds, statuses, details;
  for (const auto& e : entries) {
    ids.push_back(e.job_id);
    kinds.emplace_back(e.kind);
    statuses.emplace_back(e.status);
    details.push_back(e.detail_json);
  }
  detail::exec_prepared(tx, "append_job_logs",
                        "insert into job_events (job_id, kind, status, detail) "
                        "select * from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])",
                        detail::pg_array(ids), detail::pg_quoted_array(kinds), detail::pg_quoted_array(statuses),
                        detail::pg_quoted_array(details));
}

std::vector<event_record> events_since(pqxx::transaction_base& tx, const std::string& course_id, long long since, int limit) {
  std::vector<event_record> out;
  for (const auto& r : tx.exec_params("select course_id::text, seq, job_id::text, kind, status, progress, course_progress, step, sf_ts(at) "
                                      "from job_events where course_id = $1::uuid and seq > $2 order by seq limit $3",
                                      course_id, since, limit))
    out.push_back(read_event(r));
  return out;
}

}  // namespace sf::storage
