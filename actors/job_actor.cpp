#include "actors/job_actor.hpp"

#include "actors/course_actor.hpp"
#include "common/retry.hpp"
#include "pipeline/jobs.hpp"
#include "pipeline/rules.hpp"
#include "pipeline/sweep.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sf::actors {
namespace {

using clock = std::chrono::steady_clock;
constexpr auto progress_interval = std::chrono::milliseconds(250);

// Checkpoints: look at the stop flag, and write progress at most every 250 ms.
class actor_job_context final : public pipeline::job_context {
 public:
  actor_job_context(pipeline::services& s, const storage::job_record& job, control_ptr control)
      : s_(s), job_(job), control_(std::move(control)) {}

  bool checkpoint(int progress, const std::string& step) override {
    if (control_->stop.load() != stop_reason::none) return false;
    auto now = clock::now();
    if (now - last_write_ >= progress_interval) {
      last_write_ = now;
      // Progress is advisory; the answer also carries a cancel whose broadcast was lost.
      auto cancel = pipeline::record_progress(s_, job_, progress, step);
      if (cancel && cancel.value()) control_->ask(stop_reason::cancelled);
    }
    return control_->stop.load() == stop_reason::none;
  }

 private:
  pipeline::services& s_;
  const storage::job_record& job_;
  control_ptr control_;
  // The start is an event of its own: a job shorter than one interval writes no progress at all.
  clock::time_point last_write_ = clock::now();
};

// Not settled here (the database could not be reached): delivered again after a second.
constexpr verdict handed_back{disposition::nak, 1000, outcome::retried};

// Commits a job's outcome in its course's turn. A commit that lost its database connection
// (PostgreSQL restarted, a proxy dropped the session) fails fast, and is tried again on a fresh
// connection for up to 3 s from the first try, so finished work is not handed back to be done
// again. A try that was slow to fail (no connection free, a host that does not answer) uses up
// that time, so it is not repeated; nor is anything repeated for a node that is shutting down,
// or past the job's hard limit, where its actor is killed and the job failed for time.
// Trying twice is harmless: an outcome is written only while the job's row is still running
// this attempt (storage::finish_attempt), and attempt numbers are never reused.
result<void> commit_outcome(caf::blocking_actor* self, const job_args& a, const storage::job_record& job,
                            const std::function<result<void>()>& fn) {
  auto course = job.course_id.value_or("");
  return retry_unavailable([&] { return commit_in_course(self, a.registry, course, fn); },
                           std::min(std::chrono::steady_clock::now() + std::chrono::seconds(3), a.hard_deadline),
                           [&] { return a.control->stop.load() != stop_reason::shutdown; },
                           [&](const error& e, std::chrono::milliseconds wait) {
                             spdlog::warn("job {}: its outcome was not committed ({}); trying again in {} ms", job.id,
                                          e.message, wait.count());
                           });
}

verdict settle_error(caf::blocking_actor* self, const job_args& a, const storage::job_record& job, const error& e) {
  auto& s = *a.services;
  auto commit = [&](const std::function<result<void>()>& fn) { return commit_outcome(self, a, job, fn); };
  switch (a.control->stop.load()) {
    case stop_reason::cancelled:
      if (!commit([&] { return pipeline::commit_cancelled(s, job, "cancelled by request"); })) return handed_back;
      return {disposition::ack, 0, outcome::cancelled};
    case stop_reason::time_limit:
      if (!commit([&] { return pipeline::commit_failure(s, job, {errc::time_limit, "the job ran past its time limit"}, true); }))
        return handed_back;
      return {disposition::ack, 0, outcome::failed};
    case stop_reason::shutdown:
      (void)commit([&] { return pipeline::commit_failure(s, job, {errc::transient, "the node shut down"}, false); });
      return {disposition::nak, 0, outcome::retried};
    case stop_reason::none:
      break;
  }
  bool again = e.retryable() && job.attempt < job.max_attempts;
  int delay_ms = again ? pipeline::backoff_seconds(a.backoff_s, job.attempt + 1, job.max_attempts) * 1000 : 0;
  if (!commit([&] { return pipeline::commit_failure(s, job, e, !again, delay_ms); })) return handed_back;
  if (again) return {disposition::nak, delay_ms, outcome::retried};
  return {disposition::term, 0, outcome::failed};
}

using result_atom = caf::atom_constant<caf::atom("result")>;
using crashed_atom = caf::atom_constant<caf::atom("crashed")>;

constexpr verdict succeeded{disposition::ack, 0, outcome::succeeded};

// A job without a course is ended in a statement shared with others (pipeline::job_batches),
// and its thread goes back to the pool instead of waiting for it: the report is sent from the
// thread that ran the statement. What did not commit there is tried again, as any commit is
// (commit_outcome), on a thread of the lane's pool.
// The job is the one `a` claimed (a.begun).
bool succeed_later(const job_args& a, const pipeline::job_effect& effect, const caf::actor& actor) {
  if (a.pool.expired()) return false;
  const auto& job = a.begun->value().job;
  return pipeline::commit_success_then(*a.services, job, [a, effect, actor](result<void> committed) mutable {
    if (committed) return caf::anon_send(actor, result_atom::value, succeeded);
    // Another error was the statement's own, run again alone already: tried once more, it
    // would fail the same way.
    auto pool = a.pool.lock();
    if (committed.error().code != errc::unavailable || !pool)
      return caf::anon_send(actor, result_atom::value, handed_back);
    try {
      pool->submit([a = std::move(a), effect = std::move(effect), actor](caf::blocking_actor* self) {
        const auto& job = a.begun->value().job;
        verdict v = handed_back;
        try {
          if (commit_outcome(self, a, job, [&] { return pipeline::commit_success(*a.services, job, effect); })) v = succeeded;
        } catch (...) {
          // Reported as not committed: delivered again, the identity guard decides.
        }
        caf::anon_send(actor, result_atom::value, v);
      });
    } catch (...) {
      caf::anon_send(actor, result_atom::value, handed_back);
    }
  });
}

// The job's verdict, or nothing when succeed_later reports it.
std::optional<verdict> run(caf::blocking_actor* self, const job_args& a, const caf::actor& actor) {
  auto& s = *a.services;
  if (!a.begun || !*a.begun) return handed_back;  // the database is down: deliver again later
  const auto& b = a.begun->value();
  switch (b.what) {
    case pipeline::begin_result::action::skip: return verdict{disposition::ack, 0, outcome::skipped};
    case pipeline::begin_result::action::wait: return verdict{disposition::nak, a.stale_after_ms, outcome::retried};
    case pipeline::begin_result::action::fail:
      (void)commit_outcome(self, a, b.job, [&] { return pipeline::commit_failure(s, b.job, {errc::internal, b.why}, true); });
      return verdict{disposition::term, 0, outcome::failed};
    case pipeline::begin_result::action::run: break;
  }
  actor_job_context ctx(s, b.job, a.control);
  auto effect = pipeline::run_job(s, b.job, ctx);
  if (!effect) return settle_error(self, a, b.job, effect.error());
  if (succeed_later(a, effect.value(), actor)) return std::nullopt;
  auto committed = commit_outcome(self, a, b.job, [&] { return pipeline::commit_success(s, b.job, effect.value()); });
  if (!committed) return handed_back;  // redelivered; the identity guard decides again
  return succeeded;
}

verdict run_sweep(const job_args& a) {
  auto r = pipeline::sweep(*a.services, a.stale_after_ms, 2 * a.services->cfg.ack_wait_s * 1000);
  if (r && (r.value().stale_requeued || r.value().stale_failed || r.value().republished || r.value().purged ||
            r.value().blobs_tidied))
    spdlog::warn("sweep: {} stale jobs delivered again, {} parked as failed, {} lost messages republished, {} rejected files "
                 "purged, {} files no source names removed",
                 r.value().stale_requeued, r.value().stale_failed, r.value().republished, r.value().purged,
                 r.value().blobs_tidied);
  return {disposition::ack, 0, r ? outcome::succeeded : outcome::failed};
}

}  // namespace

worker_pool::task job_work(job_args args, caf::actor actor) {
  return [args = std::move(args), actor](caf::blocking_actor* worker) {
    try {
      auto v = args.kind == "sweep" ? std::optional<verdict>(run_sweep(args)) : run(worker, args, actor);
      if (v) caf::anon_send(actor, result_atom::value, *v);
    } catch (const std::exception& e) {
      caf::anon_send(actor, crashed_atom::value, std::string(e.what()));
    } catch (...) {
      caf::anon_send(actor, crashed_atom::value, std::string("unknown exception"));
    }
  };
}

caf::behavior job_actor(caf::event_based_actor* self, caf::actor supervisor, std::string job_id) {
  self->set_default_handler(caf::print_and_drop);
  return {
      [=](result_atom, verdict v) {
        self->send(supervisor, job_done_atom::value, job_id, v);
        self->quit();
      },
      // Dies without reporting, as an actor that threw would: the supervisor settles the job.
      [=](crashed_atom, const std::string& why) { self->quit(caf::make_error(caf::sec::runtime_error, why)); },
  };
}

}  // namespace sf::actors
