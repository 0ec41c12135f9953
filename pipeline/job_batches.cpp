#include "pipeline/job_batches.hpp"

#include "pipeline/with_db.hpp"

namespace sf::pipeline {
namespace {

// Up to 64 rows a statement, and one statement of a kind at a time: the next batch gathers
// while one is at the database. (Two at a time made batches of 1.7 rows and cost PostgreSQL
// a third more per job in bench/jobs.) A submission batch also waits for JetStream's acks
// after its insert, so two run at once: one inserts while the other waits (with one, bench/jobs
// ran 20 % slower than with unbatched publishes; with two, 10 % faster).
constexpr std::size_t max_batch = 64;
constexpr int max_leaders = 1;
constexpr int max_submit_leaders = 2;

// A batch as one statement on a pooled connection, committed as it runs.
template <class In, class Statement>
auto one_statement(storage::pool& db, Statement statement) {
  return [&db, statement = std::move(statement)](const std::vector<In>& rows) {
    using out = decltype(statement(std::declval<pqxx::nontransaction&>(), rows));
    return with_db<pqxx::nontransaction>(db, [&](pqxx::nontransaction& tx) -> result<out> { return statement(tx, rows); });
  };
}

// Publishes jobs just made. Never throws: the rows exist now, and a batch that failed would
// be made again, once per member. A job left unpublished is marked failed with the reason.
std::vector<result<storage::job_record>> publish_made(storage::pool& db, messaging::bus& bus,
                                                      std::vector<storage::job_record>& made) {
  std::vector<result<void>> published;
  try {
    std::vector<messaging::job_message> messages;
    messages.reserve(made.size());
    for (const auto& j : made) messages.push_back({j.lane, j.kind, j.id, j.id});
    published = bus.publish_jobs(messages);
  } catch (const std::exception& e) {
    published.assign(made.size(), failure(errc::unavailable, std::string("enqueue the job: ") + e.what()));
  }
  published.resize(made.size(), failure(errc::unavailable, "enqueue the job: no answer"));
  std::vector<result<storage::job_record>> out;
  out.reserve(made.size());
  for (std::size_t i = 0; i < made.size(); ++i) {
    if (published[i]) {
      out.emplace_back(std::move(made[i]));
      continue;
    }
    (void)with_db(db, [&](pqxx::work& tx) -> result<void> {
      storage::set_job_status(tx, made[i].id, "failed", "enqueue failed: " + published[i].error().message);
      tx.commit();
      return success();
    });
    out.emplace_back(failure(errc::unavailable, "the job queue is unavailable; nothing was queued, try again"));
  }
  return out;
}

}  // namespace

job_batches::job_batches(storage::pool& db, messaging::bus& bus, std::string node_id)
    : submits_(
          [&db, &bus, made = one_statement<storage::new_job>(db, storage::create_jobs)](
              const std::vector<storage::new_job>& jobs) -> result<std::vector<result<storage::job_record>>> {
            auto rows = made(jobs);
            if (!rows) return rows.error();  // nothing was made: each call may run again alone
            return publish_made(db, bus, rows.value());
          },
          max_batch, max_submit_leaders),
      finishes_(one_statement<storage::attempt_end>(
                    db, [node = std::move(node_id)](pqxx::nontransaction& tx, const std::vector<storage::attempt_end>& ends) {
                      return storage::finish_attempts(tx, ends, node);
                    }),
                max_batch, max_leaders) {}

result<storage::job_record> job_batches::submit(storage::new_job j) {
  auto submitted = submits_.run(std::move(j));
  if (!submitted) return submitted.error();
  return std::move(submitted.value());
}

}  // namespace sf::pipeline
