#include "storage/jobs.hpp"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/ids.hpp"
#include "storage/row_reader.hpp"

namespace sf::storage {
namespace {

// Statements that find jobs by id test their status inside a CASE. A plain status test matches
// the partial indexes on waiting and running jobs (jobs_waiting, jobs_heartbeat), and when the
// statistics still say those are few (a backlog builds faster than autovacuum runs), the
// planner reads them instead of the primary key: every waiting job, and every dead entry left
// since the last vacuum, for each claim. A CASE proves nothing about an index predicate, so
// the ids are looked up by key. Measured with auto_explain in bench/jobs: 807 claims over 3 ms
// (up to 250 ms) through a BitmapOr of the two partial indexes.

constexpr const char* job_columns =
    "id::text, owner_id::text, course_id::text, source_id::text, material_id::text, kind, lane, status, attempt, "
    "max_attempts, progress, current_step, error, cancel_requested, payload::text, node_id, sf_ts(created_at), "
    "sf_ts(started_at), sf_ts(completed_at)";

job_record read_job(const pqxx::row& r) {
  using namespace detail;
  job_record j;
  j.id = r[0].as<std::string>();
  j.owner_id = r[1].as<std::string>();
  j.course_id = opt_text(r[2]);
  j.source_id = opt_text(r[3]);
  j.material_id = opt_text(r[4]);
  j.kind = r[5].as<std::string>();
  j.lane = r[6].as<std::string>();
  j.status = r[7].as<std::string>();
  j.attempt = r[8].as<int>();
  j.max_attempts = r[9].as<int>();
  j.progress = r[10].as<int>();
  j.current_step = opt_text(r[11]);
  j.error = opt_text(r[12]);
  j.cancel_requested = r[13].as<bool>();
  j.payload_json = r[14].as<std::string>();
  j.node_id = opt_text(r[15]);
  j.created_at = r[16].as<std::string>();
  j.started_at = opt_text(r[17]);
  j.completed_at = opt_text(r[18]);
  return j;
}

std::optional<job_record> first_job(const pqxx::result& res) {
  if (res.empty()) return std::nullopt;
  return read_job(res[0]);
}

}  // namespace

std::vector<job_record> create_jobs(pqxx::transaction_base& tx, const std::vector<new_job>& jobs) {
  // One statement for the whole batch, its rows passed as one JSON array. The ids are known
  // before it runs, so the rows returned (in no promised order) are put back in the order given.
  static const std::string sql =  // built once: this runs for every job
      std::string("insert into jobs (id, owner_id, course_id, source_id, material_id, kind, lane, max_attempts, payload, "
                  "cluster, created_at) select id, owner_id, course_id, source_id, material_id, kind, lane, "
                  // clock_timestamp(): jobs made together are listed in the order given.
                  "max_attempts, payload::jsonb, cluster, clock_timestamp() from jsonb_to_recordset($1::jsonb) as "
                  "x(id uuid, owner_id uuid, course_id uuid, source_id uuid, material_id uuid, kind text, lane text, "
                  "max_attempts int, payload text, cluster text) on conflict (id) do nothing returning ") +
      job_columns;
  auto rows = nlohmann::json::array();
  std::unordered_map<std::string, std::size_t> place;
  for (const auto& j : jobs) {
    auto id = j.id.empty() ? new_uuid() : j.id;
    place.emplace(id, rows.size());
    auto opt = [](const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    rows.push_back({{"id", id}, {"owner_id", j.owner_id}, {"course_id", opt(j.course_id)},
                    {"source_id", opt(j.source_id)}, {"material_id", opt(j.material_id)}, {"kind", j.kind},
                    {"lane", j.lane}, {"max_attempts", j.max_attempts},
                    {"payload", j.payload_json}, {"cluster", j.cluster}});
  }
  std::vector<job_record> out(jobs.size());
  auto put = [&](const pqxx::result& res) {
    for (const auto& r : res) {
      auto job = read_job(r);
      out[place.at(job.id)] = std::move(job);
    }
  };
  put(detail::exec_prepared(tx, "create_jobs", sql, rows.dump()));
  std::vector<std::string> made_before;
  for (const auto& [id, i] : place)
    if (out[i].id.empty()) made_before.push_back(id);
  if (!made_before.empty())
    put(tx.exec_params(std::string("select ") + job_columns + " from jobs where id = any($1::uuid[])",
                       detail::pg_array(made_before)));
  return out;
}

job_record create_job(pqxx::transaction_base& tx, const new_job& j) { return create_jobs(tx, {j}).front(); }

std::vector<std::string> fail_unpublished_jobs(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                               const std::string& error) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params("update jobs set status = 'failed', error = $2, completed_at = now() "
                                      "where id = any($1::uuid[]) and case when status = 'queued' then true else false end "
                                      "returning id::text",
                                      detail::pg_array(ids), error))
    out.push_back(r[0].as<std::string>());
  return out;
}

std::optional<job_record> find_job(pqxx::transaction_base& tx, const std::string& id, bool for_update) {
  return first_job(tx.exec_params(
      std::string("select ") + job_columns + " from jobs where id = $1::uuid" + (for_update ? " for update" : ""), id));
}

std::optional<job_record> find_owned_job(pqxx::transaction_base& tx, const std::string& owner_id, const std::string& id) {
  return first_job(tx.exec_params(std::string("select ") + job_columns +
                                      " from jobs where id = $1::uuid and ($2 = '' or owner_id::text = $2)",
                                  id, owner_id));
}

std::vector<job_record> list_jobs(pqxx::transaction_base& tx, const std::string& owner_id,
                                  const std::optional<std::string>& status, const std::optional<std::string>& lane,
                                  int limit) {
  // Only the filters given go into the statement: pool connections use generic plans, and a
  // generic plan of `($1 = '' or owner_id = $1)` cannot use jobs_owner, so every listing
  // would read the whole table.
  std::string sql = std::string("select ") + job_columns + " from jobs where true";
  std::vector<std::string> params;
  auto filter = [&](const char* column, const std::string& value, const char* cast) {
    params.push_back(value);
    sql += std::string(" and ") + column + " = $" + std::to_string(params.size()) + cast;
  };
  if (!owner_id.empty()) filter("owner_id", owner_id, "::uuid");
  if (status) filter("status", *status, "");
  if (lane) filter("lane", *lane, "");
  params.push_back(std::to_string(limit));
  sql += " order by created_at desc, id limit $" + std::to_string(params.size()) + "::int";
  std::vector<job_record> out;
  for (const auto& r : tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params))) out.push_back(read_job(r));
  return out;
}

std::vector<job_record> start_jobs(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                   const std::string& node_id, int stale_after_ms, bool without_course_only) {
  auto statement = [](bool courseless) {
    return std::string("with started as (update jobs set status = 'running', attempt = attempt + 1, "
                       "started_at = coalesce(started_at, now()), "
                       "attempt_started_at = now(), node_id = $2, heartbeat_at = now(), progress = 0, error = null, "
                       "due_at = null, current_step = case kind when 'extract' then 'extracting text' "
                       "when 'ocr' then 'reading scanned pages' when 'generate' then coalesce((select 'writing ' || "
                       "m.type from materials m where m.id = jobs.material_id), kind) else kind end "
                       "where id = any($1::uuid[]) and not cancel_requested and case "
                       "when status in ('queued', 'retrying') then true "
                       "when status = 'running' then attempt < max_attempts and heartbeat_at < "
                       "now() - make_interval(secs => $3::float8 / 1000) else false end") +
           // In a CASE too, so that no index is chosen for it over the primary key.
           (courseless ? " and case when course_id is null then true else false end" : "") +
           " returning *), "
           "logged as (insert into job_events (job_id, kind, status, detail) "
           "select id, kind, 'running', jsonb_build_object('attempt', attempt, 'node', $2::text) "
           "from started where course_id is null) "
           "select " + job_columns + " from started";
  };
  static const std::string any = statement(false), courseless = statement(true);  // built once: they run for every batch
  // Runs with its generic plan (the pool sets plan_cache_mode): it reads the primary key.
  std::vector<job_record> out;
  for (const auto& r : detail::exec_prepared(tx, without_course_only ? "start_jobs_without_course" : "start_jobs",
                                             without_course_only ? courseless : any, detail::pg_array(ids), node_id,
                                             stale_after_ms))
    out.push_back(read_job(r));
  return out;
}

bool heartbeat_stale(pqxx::transaction_base& tx, const std::string& id, int stale_after_ms) {
  auto res = tx.exec_params(
      "select 1 from jobs where id = $1::uuid and case when status = 'running' then heartbeat_at < now() - "
      "make_interval(secs => $2::float8 / 1000) else false end",
      id, stale_after_ms);
  return !res.empty();
}

void set_job_progress(pqxx::transaction_base& tx, const std::string& id, int progress, const std::string& step) {
  detail::exec_prepared(tx, "set_job_progress",
                        "update jobs set progress = $2, current_step = $3, heartbeat_at = now() where id = $1::uuid", id,
                        progress, step);
}

void set_job_status(pqxx::transaction_base& tx, const std::string& id, const std::string& status,
                    const std::optional<std::string>& error, int due_in_ms) {
  bool terminal = status == "succeeded" || status == "failed" || status == "cancelled";
  tx.exec_params(
      "update jobs set status = $2, error = $3, progress = case when $2 = 'succeeded' then 100 else progress end, "
      "completed_at = case when $4 then now() else completed_at end, "
      "due_at = case when $2 = 'retrying' then now() + make_interval(secs => $5::float8 / 1000) else null end, "
      "published_at = case when $2 = 'retrying' then now() else published_at end where id = $1::uuid",
      id, status, error, terminal, due_in_ms);
}

long long attempt_duration_ms(pqxx::transaction_base& tx, const std::string& id) {
  auto res = tx.exec_params(
      "select coalesce((extract(epoch from now() - attempt_started_at) * 1000)::bigint, 0) from jobs where id = $1::uuid", id);
  return res.empty() ? 0 : res[0][0].as<long long>();
}

std::vector<job_event_record> job_history(pqxx::transaction_base& tx, const std::string& id) {
  std::vector<job_event_record> out;
  for (const auto& r : tx.exec_params("select status, step, detail::text, sf_ts(at) from job_events where job_id = $1::uuid "
                                      "order by id", id))
    out.push_back({r[0].as<std::string>(), detail::opt_text(r[1]), detail::opt_text(r[2]), r[3].as<std::string>()});
  return out;
}

std::vector<job_record> stale_running_jobs(pqxx::transaction_base& tx, const std::string& cluster, int stale_after_ms,
                                           int limit) {
  std::vector<job_record> out;
  for (const auto& r : tx.exec_params(std::string("select ") + job_columns +
                                          " from jobs where cluster = $3 and status = 'running' and heartbeat_at < "
                                          "now() - make_interval(secs => $1::float8 / 1000) order by heartbeat_at "
                                          "limit $2",
                                      stale_after_ms, limit, cluster))
    out.push_back(read_job(r));
  return out;
}

std::vector<job_record> waiting_jobs(pqxx::transaction_base& tx, const std::string& cluster, const std::string& lane,
                                     int older_than_ms, int limit) {
  std::vector<job_record> out;
  for (const auto& r : tx.exec_params(std::string("select ") + job_columns +
                                          " from jobs where cluster = $4 and lane = $1 and not cancel_requested and ((status = 'queued' "
                                          "and published_at < now() - make_interval(secs => $2::float8 / 1000)) or "
                                          "(status = 'retrying' and due_at < now() - make_interval(secs => $2::float8 / "
                                          "1000))) order by published_at limit $3",
                                      lane, older_than_ms, limit, cluster))
    out.push_back(read_job(r));
  return out;
}

void mark_published(pqxx::transaction_base& tx, const std::string& id) {
  tx.exec_params("update jobs set published_at = now() where id = $1::uuid", id);
}

// Each arm of the filter matches one partial index (waiting, running, failed), so the rows
// come from a BitmapOr of the three, not from a scan of every job ever run.
std::vector<lane_db_stats> lane_stats(pqxx::transaction_base& tx, const std::string& cluster) {
  std::vector<lane_db_stats> out;
  for (const auto& r : tx.exec_params(
           "select lane, count(*) filter (where status in ('queued', 'retrying')), "
           "count(*) filter (where status = 'running'), "
           "count(*) filter (where status = 'failed' and completed_at > now() - interval '1 hour'), "
           "coalesce(extract(epoch from now() - min(created_at) filter (where status in ('queued', 'retrying'))), 0) "
           "from jobs where cluster = $1 and (status in ('queued', 'retrying') or status = 'running' or "
           "(status = 'failed' and completed_at > now() - interval '1 hour')) group by lane",
           cluster))
    out.push_back({r[0].as<std::string>(), r[1].as<long long>(), r[2].as<long long>(), r[3].as<long long>(),
                   r[4].as<double>()});
  return out;
}

std::vector<std::optional<finished_attempt>> finish_attempts(pqxx::transaction_base& tx,
                                                             const std::vector<attempt_end>& ends,
                                                             const std::string& node_id) {
  // The rows are found as the claim finds them, by `id = any($1)` on the primary key, and each
  // takes its values from the arrays at its id's place. A join with the batch as a table let
  // the planner, under a generic plan made while the table was small, walk the whole key
  // instead (7 ms a statement in bench/jobs).
  static const std::string sql = [] {  // built once: this runs for every batch of jobs
    const std::string at = "[array_position($1::uuid[], jobs.id)]";
    const std::string status = "($3::text[])" + at;
    return "with ended as (update jobs set status = " + status + ", error = ($4::text[])" + at +
           ", progress = case when " + status + " = 'succeeded' then 100 else progress end, "
           "completed_at = case when " + status + " in ('succeeded', 'failed', 'cancelled') then now() "
           "else completed_at end, "
           "due_at = case when " + status + " = 'retrying' then now() + make_interval(secs => ($5::float8[])" + at +
           " / 1000) else null end, "
           "published_at = case when " + status + " = 'retrying' then now() else published_at end "
           "where id = any($1::uuid[]) and case when status = 'running' then attempt = ($2::int[])" + at +
           " else false end "
           "returning array_position($1::uuid[], jobs.id) as i, id, kind, course_id, attempt, status, error, progress, "
           "coalesce((extract(epoch from now() - attempt_started_at) * 1000)::bigint, 0) as duration_ms), "
           "logged as (insert into job_events (job_id, kind, status, detail) "
           "select id, kind, status, jsonb_build_object('attempt', attempt, 'node', $6::text, 'duration_ms', duration_ms) "
           "|| case when error is null then '{}'::jsonb else jsonb_build_object('error', error) end "
           "from ended where course_id is null) "
           "select i, duration_ms, progress from ended";
  }();
  // A row is found once per statement: an id that comes again goes in a statement after.
  std::unordered_map<std::string, std::size_t> first;
  std::vector<attempt_end> again;
  std::vector<std::size_t> again_at;
  std::vector<attempt_end> once;
  std::vector<std::size_t> once_at;
  for (std::size_t i = 0; i < ends.size(); ++i) {
    bool repeated = !first.emplace(ends[i].id, i).second;
    (repeated ? again : once).push_back(ends[i]);
    (repeated ? again_at : once_at).push_back(i);
  }
  if (!again.empty()) {
    std::vector<std::optional<finished_attempt>> out(ends.size());
    auto a = finish_attempts(tx, once, node_id), b = finish_attempts(tx, again, node_id);
    for (std::size_t k = 0; k < a.size(); ++k) out[once_at[k]] = a[k];
    for (std::size_t k = 0; k < b.size(); ++k) out[again_at[k]] = b[k];
    return out;
  }
  std::vector<std::string> ids, attempts, dues;
  std::vector<std::optional<std::string>> statuses, errors;
  for (const auto& e : ends) {
    ids.push_back(e.id);
    attempts.push_back(std::to_string(e.attempt));
    statuses.emplace_back(e.status);
    errors.push_back(e.error);
    dues.push_back(std::to_string(e.due_in_ms));
  }
  std::vector<std::optional<finished_attempt>> out(ends.size());
  for (const auto& r : detail::exec_prepared(tx, "finish_attempts", sql, detail::pg_array(ids), detail::pg_array(attempts),
                                             detail::pg_quoted_array(statuses), detail::pg_quoted_array(errors),
                                             detail::pg_array(dues), node_id))
    out.at(r[0].as<std::size_t>() - 1) = finished_attempt{r[1].as<long long>(), r[2].as<int>()};
  return out;
}

std::optional<finished_attempt> finish_attempt(pqxx::transaction_base& tx, const std::string& id, int attempt,
                                               const std::string& node_id, const std::string& status,
                                               const std::optional<std::string>& error, int due_in_ms,
                                               int only_if_silent_ms) {
  // For update: a heartbeat that holds the row makes this wait, then look at the row it left.
  // The status and attempt are finish_attempts' to check.
  if (only_if_silent_ms > 0 &&
      tx.exec_params("select 1 from jobs where id = $1::uuid and heartbeat_at < now() - make_interval(secs => $2::float8 / 1000) "
                     "for update",
                     id, only_if_silent_ms)
          .empty())
    return std::nullopt;
  return finish_attempts(tx, {{id, attempt, status, error, due_in_ms}}, node_id).front();
}

void heartbeat_jobs(pqxx::transaction_base& tx, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  detail::exec_prepared(tx, "heartbeat_jobs",
                        "update jobs set heartbeat_at = now() where id = any($1::uuid[]) "
                        "and case when status = 'running' then true else false end",
                        detail::pg_array(ids));
}

bool cancel_requested(pqxx::transaction_base& tx, const std::string& id) {
  auto res = detail::exec_prepared(tx, "cancel_requested", "select cancel_requested from jobs where id = $1::uuid", id);
  return !res.empty() && res[0][0].as<bool>();
}

void request_cancel(pqxx::transaction_base& tx, const std::string& id) {
  tx.exec_params("update jobs set cancel_requested = true where id = $1::uuid", id);
}

void requeue_job(pqxx::transaction_base& tx, const std::string& id, int more_attempts) {
  tx.exec_params("update jobs set status = 'queued', max_attempts = attempt + $2, error = null, progress = 0, "
                 "completed_at = null, cancel_requested = false, published_at = now(), due_at = null where id = $1::uuid",
                 id, more_attempts);
}

}  // namespace sf::storage
