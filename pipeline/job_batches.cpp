#include "pipeline/job_batches.hpp"

#include <unordered_set>

#include "common/ids.hpp"
#include "pipeline/journal.hpp"
#include "pipeline/with_db.hpp"

namespace sf::pipeline {
namespace {

// Up to 64 rows a statement, and one statement of a kind at a time: the next batch gathers
// while one is at the database. (Two at a time made batches of 1.7 rows and cost PostgreSQL
// a third more per job in bench/jobs.) A submission batch also waits for JetStream's acks
// after its insert, so two run at once, staged: the next inserts while one waits (with one
// batch at a time, bench/jobs ran 20 % slower than with unbatched publishes; with two, 10 %
// faster).
constexpr std::size_t max_batch = 64;
constexpr int max_submit_leaders = 2;

// A batch as one statement on a pooled connection, committed as it runs.
template <class In, class Statement>
auto one_statement(storage::pool& db, Statement statement) {
  return [&db, statement = std::move(statement)](const std::vector<In>& rows) {
    using out = decltype(statement(std::declval<pqxx::nontransaction&>(), rows));
    return with_db<pqxx::nontransaction>(db, [&](pqxx::nontransaction& tx) -> result<out> { return statement(tx, rows); });
  };
}

// Publishes jobs just made. Never throws: the rows exist now, and a batch that failed would be
// run again. A job left unpublished is marked failed with the reason, unless a node took it
// meanwhile (its message arrived after all): then it was queued.
std::vector<result<storage::job_record>> publish_made(storage::pool& db, messaging::bus& bus,
                                                      std::vector<storage::job_record>& made) noexcept {
  std::vector<result<void>> published;
  try {
    std::vector<messaging::job_message> messages;
    for (const auto& j : made) messages.push_back(message_of(j));
    published = bus.publish_jobs(messages);
  } catch (const std::exception& e) {
    published.assign(made.size(), failure(errc::unavailable, std::string("enqueue the job: ") + e.what()));
  }
  published.resize(made.size(), failure(errc::unavailable, "enqueue the job: no answer"));
  std::vector<std::string> unpublished;
  std::string why;
  for (std::size_t i = 0; i < made.size(); ++i)
    if (!published[i]) {
      unpublished.push_back(made[i].id);
      why = "enqueue failed: " + published[i].error().message;
    }
  std::unordered_set<std::string> failed(unpublished.begin(), unpublished.end());  // if the marking fails too
  if (!unpublished.empty()) {
    auto marked = with_db(db, [&](pqxx::work& tx) -> result<std::vector<std::string>> {
      auto ids = storage::fail_unpublished_jobs(tx, unpublished, why);
      tx.commit();
      return ids;
    });
    if (marked) failed = {marked.value().begin(), marked.value().end()};
  }
  std::vector<result<storage::job_record>> out;
  for (auto& j : made) {
    if (failed.count(j.id)) out.emplace_back(failure(errc::unavailable, "the job queue is unavailable; nothing was queued, try again"));
    else out.emplace_back(std::move(j));
  }
  return out;
}

}  // namespace

job_batches::job_batches(storage::pool& db, messaging::bus& bus, std::string node_id)
    : submits_(
          [&db, &bus, made = one_statement<storage::new_job>(db, storage::create_jobs)](
              const std::vector<storage::new_job>& jobs,
              const std::function<void()>& let_next) -> result<std::vector<result<storage::job_record>>> {
            auto rows = made(jobs);
            let_next();  // the next batch inserts while this one waits for JetStream
            // Each call runs again alone: its insert, if it did run, is found instead of repeated.
            if (!rows) return rows.error();
            return publish_made(db, bus, rows.value());
          },
          max_batch, max_submit_leaders),
      finishes_(one_statement<storage::attempt_end>(
                    db, [node = std::move(node_id)](pqxx::nontransaction& tx, const std::vector<storage::attempt_end>& ends) {
                      return storage::finish_attempts(tx, ends, node);
                    }),
                max_batch) {}

// Named before it is made: a batch whose insert may have run before it failed is run again
// (each member alone), and then finds its rows instead of making second ones.
void job_batches::submit_then(storage::new_job j, std::function<void(submitted)> done) {
  if (j.id.empty()) j.id = new_uuid();
  submits_.post(std::move(j), [done = std::move(done)](result<submitted> made) {
    done(made ? std::move(made.value()) : submitted(made.error()));
  });
}

}  // namespace sf::pipeline
