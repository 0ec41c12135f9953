#include "actors/lane_supervisor.hpp"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>
#include <unordered_map>

#include "actors/course_actor.hpp"
#include "actors/job_actor.hpp"
#include "common/ids.hpp"
#include "common/retry.hpp"
#include "pipeline/jobs.hpp"
#include "pipeline/with_db.hpp"
#include "storage/jobs.hpp"

namespace sf::actors {

// What a claim of a fetched batch found for each job.
struct claim_outcome {
  std::string job_id;
  result<pipeline::begin_result> begun;
};
struct claims {
  std::uint64_t batch = 0;  // which claim: a job given up on and delivered again is claimed anew
  std::vector<claim_outcome> outcomes;
};
using claims_ptr = std::shared_ptr<claims>;

}  // namespace sf::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sf::actors::claims_ptr)

namespace sf::actors {
namespace {

using clock = std::chrono::steady_clock;

// Claims a batch on a pool thread and reports to the supervisor, whatever happens. It holds
// nothing of the lane's state, so the lane can go while a claim is under way.
worker_pool::task claim_task(pipeline::services* services, std::string lane, std::uint64_t batch,
                             std::vector<std::string> ids, std::vector<std::string> kinds, int stale_after_ms,
                             caf::actor supervisor) {
  return [=](caf::blocking_actor*) {
    auto claimed = [&]() -> result<std::vector<pipeline::begin_result>> {
      try {
        return pipeline::begin_jobs(*services, lane, ids, kinds, stale_after_ms);
      } catch (const std::exception& e) {
        return failure(errc::internal, std::string("claim failed: ") + e.what());
      } catch (...) {
        return failure(errc::internal, "claim failed");
      }
    }();
    auto out = std::make_shared<claims>();
    out->batch = batch;
    for (std::size_t i = 0; i < ids.size(); ++i)
      out->outcomes.push_back({ids[i], claimed ? result<pipeline::begin_result>(std::move(claimed.value()[i]))
                                               : result<pipeline::begin_result>(claimed.error())});
    caf::anon_send(supervisor, claimed_atom::value, std::move(out));
  };
}

// Settles a job whose actor died without reporting (it threw, or was killed past its hard
// limit): retried while attempts are left, else failed. Reports `again` for the counters.
// Reading and ending the job are tried again for up to 3 s when the database connection was
// lost, as a finished job's commit is: a job left `running` is ended by the sweep once stale,
// for being stale instead of for what really happened.
// Only this node's attempt is ended: a job another node took over meanwhile (this one went
// silent) is left to it, as a late commit is.
worker_pool::task settle_lost_task(pipeline::services* services, caf::actor registry, std::string id, int attempt,
                                   delivery_ptr msg, error why, bool final_attempt, caf::actor supervisor) {
  return [=](caf::blocking_actor* self) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    auto go_on = [] { return true; };
    auto log = [&](const error& e, std::chrono::milliseconds wait) {
      spdlog::warn("job {}: its end was not recorded ({}); trying again in {} ms", id, e.message, wait.count());
    };
    auto read = retry_unavailable(
        [&] {
          return pipeline::with_db<pqxx::read_transaction>(
              *services, [&](auto& tx) -> result<std::optional<storage::job_record>> { return storage::find_job(tx, id); });
        },
        until, go_on, log);
    if (!read) spdlog::error("job {}: not settled, its record was not read: {}; the sweep ends it once stale", id, read.error().message);
    auto job = read ? read.value() : std::nullopt;
    if (job && attempt > 0) job->attempt = attempt;
    bool again = !final_attempt && job && job->attempt < job->max_attempts;
    if (job) {
      auto ended = retry_unavailable(
          [&] {
            return commit_in_course(self, registry, job->course_id.value_or(""),
                                    [&] { return pipeline::commit_failure(*services, *job, why, !again); });
          },
          until, go_on, log);
      if (!ended) spdlog::error("job {}: its end was not recorded: {}; the sweep ends it once stale", id, ended.error().message);
    }
    if (again) msg->nak(std::chrono::milliseconds(0));
    else msg->ack();
    caf::anon_send(supervisor, settled_atom::value, again);
  };
}

// Records that the lane's running jobs are alive. One at a time: a tick while the last write
// still waits for the database skips its own.
worker_pool::task heartbeat_task(pipeline::services* services, std::string lane, std::vector<std::string> ids,
                                 std::shared_ptr<std::atomic<bool>> writing) {
  return [=](caf::blocking_actor*) {
    try {
      auto conn = services->db.acquire(std::chrono::milliseconds(500));
      pqxx::work tx(*conn);
      storage::heartbeat_jobs(tx, ids);
      tx.commit();
    } catch (const std::exception& e) {
      spdlog::warn("lane {}: heartbeat not recorded: {}", lane, e.what());
    } catch (...) {
      spdlog::warn("lane {}: heartbeat not recorded", lane);
    }
    writing->store(false);
  };
}

// The fetcher owns the blocking natsSubscription_Fetch, so the supervisor never blocks on it.
void fetcher(caf::blocking_actor* self, std::shared_ptr<messaging::pull_consumer> consumer, caf::actor supervisor) {
  bool running = true;
  self->receive_while(running)(
      [&](fetch_atom, int max) {
        auto got = consumer->fetch(max, std::chrono::milliseconds(1000));
        delivery_batch batch;
        if (got) {
          for (auto& d : got.value()) batch.push_back(std::make_shared<messaging::delivery>(std::move(d)));
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(500));  // NATS unreachable: do not spin
        }
        self->send(supervisor, batch_atom::value, std::move(batch));
      },
      [&](drain_atom) { running = false; });
}

struct running_job {
  delivery_ptr msg;
  caf::actor worker;        // none while the job's batch is being claimed
  std::uint64_t claim = 0;  // the claim it waits for
  control_ptr control;
  std::string kind;
  clock::time_point started;
  bool reported = false;
  int attempt = 0;  // the attempt this node claimed; 0 while unknown (the actor claims)
};

struct lane_state {
  lane_args args;
  caf::actor fetcher;
  bool fetching = false;
  bool draining = false;
  int capacity = 0;
  std::uint64_t claims = 0;  // claims started
  std::shared_ptr<std::atomic<bool>> heartbeat_writing = std::make_shared<std::atomic<bool>>(false);
  std::unordered_map<std::string, running_job> jobs;
  lane_status counters;
};

std::string kind_of(const std::string& subject) {
  auto dot = subject.rfind('.');
  return dot == std::string::npos ? subject : subject.substr(dot + 1);
}

void count(lane_status& c, outcome o) {
  switch (o) {
    case outcome::succeeded: ++c.succeeded; break;
    case outcome::failed: ++c.failed; break;
    case outcome::retried: ++c.retried; break;
    case outcome::cancelled: ++c.cancelled; break;
    case outcome::skipped: ++c.skipped; break;
  }
}

void settle(running_job& r, disposition what, int delay_ms) {
  switch (what) {
    case disposition::ack: r.msg->ack(); break;
    case disposition::nak: r.msg->nak(std::chrono::milliseconds(delay_ms)); break;
    case disposition::term: r.msg->term(); break;
  }
}

}  // namespace

caf::behavior lane_supervisor(caf::event_based_actor* self, lane_args args) {
  auto st = std::make_shared<lane_state>();
  st->args = std::move(args);
  auto& cfg = st->args.services->cfg;
  st->capacity = cfg.lane(st->args.lane).concurrency;
  st->counters.lane = st->args.lane;
  st->counters.capacity = st->capacity;
  const int stale_after_ms = 2 * cfg.heartbeat_ms;
  auto log = spdlog::default_logger();

  st->fetcher = self->spawn<caf::linked>(fetcher, st->args.consumer, caf::actor_cast<caf::actor>(self));

  // Once draining, the lane ends with its last job, and once a fetch under way has come back:
  // its batch is handed back then, instead of dropped (delivered again only after AckWait).
  // Returns whether it ended: a handler must return at once, since quit() replaces the handlers.
  auto ended_draining = [=] {
    if (!st->draining || !st->jobs.empty() || st->fetching) return false;
    self->quit();
    return true;
  };

  // A message whose job will not run here now: delivered again after `delay`.
  auto hand_back = [=](const std::string& id, std::chrono::milliseconds delay) {
    st->jobs[id].msg->nak(delay);
    st->jobs.erase(id);
  };

  auto want_more = [=] {
    int free = st->capacity - static_cast<int>(st->jobs.size());
    if (st->draining || st->fetching || free <= 0) return;
    st->fetching = true;
    self->send(st->fetcher, fetch_atom::value, free);
  };

  // Hands the job to an actor and its work to the pool. A job claimed while the lane drains
  // is told at once to stop at its first checkpoint.
  auto spawn_worker = [=](const std::string& id, running_job& r, std::optional<result<pipeline::begin_result>> begun) {
    if (st->draining) r.control->ask(stop_reason::shutdown);
    if (begun && *begun && begun->value().what == pipeline::begin_result::action::run) r.attempt = begun->value().job.attempt;
    auto me = caf::actor_cast<caf::actor>(self);
    r.worker = self->spawn<caf::monitored>(job_actor, me, id);
    try {
      const auto& k = cfg.job_kind(r.kind);
      st->args.pool->submit(job_work({st->args.services, st->args.registry, me, st->args.lane, id, r.kind, r.control,
                                      stale_after_ms, k.backoff_s, r.started + std::chrono::seconds(k.hard_limit_s),
                                      std::move(begun), st->args.pool},
                                     r.worker));
    } catch (const std::exception& e) {
      // No thread for it: its actor goes, and the down handler settles the job.
      log->error("lane {}: cannot run job {}: {}", st->args.lane, id, e.what());
      self->send_exit(r.worker, caf::exit_reason::kill);
    }
  };

  // Jobs of a batch are claimed together, then each gets its actor; a sweep is no job row
  // and starts at once.
  auto start_batch = [=](delivery_batch& batch) {
    std::vector<std::string> claim, kinds;
    std::uint64_t claim_no = ++st->claims;
    for (auto& msg : batch) {
      std::string id = msg->data();
      if (auto it = st->jobs.find(id); it != st->jobs.end()) {
        it->second.msg = std::move(msg);  // a redelivery of a job running here: keep running it
        continue;
      }
      running_job r{msg, {}, 0, std::make_shared<job_control>(), kind_of(msg->subject()), clock::now(), false};
      auto& entry = st->jobs.emplace(id, std::move(r)).first->second;
      ++st->counters.started;
      if (entry.kind == "sweep") {
        spawn_worker(id, entry, std::nullopt);
      } else {
        entry.claim = claim_no;
        claim.push_back(id);
        kinds.push_back(entry.kind);
      }
    }
    if (claim.empty()) return;
    try {
      st->args.pool->submit(claim_task(st->args.services, st->args.lane, claim_no, claim, std::move(kinds), stale_after_ms,
                                  caf::actor_cast<caf::actor>(self)));
    } catch (const std::exception& e) {
      log->error("lane {}: cannot claim a batch: {}", st->args.lane, e.what());
      for (const auto& id : claim) hand_back(id, std::chrono::milliseconds(1000));
    }
  };

  // A job actor that died without reporting (crash, or killed past its hard limit). With no
  // thread to settle it on, its message goes back: delivered again, the claim decides anew.
  auto settle_lost = [=](const std::string& id, running_job& r, const error& why, bool final_attempt) {
    try {
      st->args.pool->submit(settle_lost_task(st->args.services, st->args.registry, id, r.attempt, r.msg, why,
                                             final_attempt, caf::actor_cast<caf::actor>(self)));
    } catch (const std::exception& e) {
      log->error("lane {}: cannot settle job {}: {}", st->args.lane, id, e.what());
      settle(r, disposition::nak, 1000);
      count(st->counters, outcome::retried);
    }
  };

  self->set_default_handler(caf::print_and_drop);
  self->set_down_handler([=](caf::down_msg& dm) {
    for (auto it = st->jobs.begin(); it != st->jobs.end(); ++it) {
      if (!it->second.worker || it->second.worker.address() != dm.source) continue;
      if (!it->second.reported) {
        log->warn("lane {}: job {} died without a result ({})", st->args.lane, it->first, caf::to_string(dm.reason));
        settle_lost(it->first, it->second, {errc::internal, "the job's actor stopped: " + caf::to_string(dm.reason)}, false);
      }
      st->jobs.erase(it);
      break;
    }
    if (!ended_draining()) want_more();
  });

  self->delayed_send(self, std::chrono::milliseconds(cfg.heartbeat_ms), tick_atom::value);
  want_more();

  return {
      [=](batch_atom, delivery_batch& batch) {
        st->fetching = false;
        if (st->draining) {
          for (auto& msg : batch) msg->nak(std::chrono::milliseconds(0));
          ended_draining();
          return;
        }
        start_batch(batch);
        want_more();
      },
      [=](claimed_atom, claims_ptr& done) {
        for (auto& c : done->outcomes)
          if (auto it = st->jobs.find(c.job_id); it != st->jobs.end() && !it->second.worker && it->second.claim == done->batch)
            spawn_worker(c.job_id, it->second, std::move(c.begun));
      },
      [=](job_done_atom, const std::string& id, verdict v) {
        auto it = st->jobs.find(id);
        if (it == st->jobs.end() || it->second.reported) return;
        settle(it->second, v.what, v.delay_ms);
        count(st->counters, v.counted);
        // The actor quits right after reporting: its slot is free now, not one message later.
        self->demonitor(it->second.worker);
        st->jobs.erase(it);
        if (!ended_draining()) want_more();
      },
      [=](cancel_atom, const std::string& id) {
        if (auto it = st->jobs.find(id); it != st->jobs.end()) it->second.control->ask(stop_reason::cancelled);
      },
      [=](tick_atom) {
        std::vector<std::string> ids;
        auto now = clock::now();
        std::vector<std::string> unclaimed;
        for (auto& [id, r] : st->jobs) {
          if (r.reported) continue;
          const auto& k = cfg.job_kind(r.kind);
          auto age = now - r.started;
          if (!r.worker) {
            // Still being claimed: a claim that takes past the hard limit is given up on.
            if (age > std::chrono::seconds(k.hard_limit_s)) unclaimed.push_back(id);
            else r.msg->in_progress();
            continue;
          }
          r.msg->in_progress();
          if (is_uuid(id)) ids.push_back(id);  // a sweep, or a message naming no job, has no row
          if (age > std::chrono::seconds(k.hard_limit_s)) {
            // Past the hard limit: give up on the actor; its late commit finds the job ended.
            r.reported = true;
            r.control->ask(stop_reason::time_limit);
            self->send_exit(r.worker, caf::exit_reason::kill);
            settle_lost(id, r, {errc::time_limit, "the job ran past its hard time limit"}, true);
          } else if (age > std::chrono::seconds(k.soft_limit_s)) {
            r.control->ask(stop_reason::time_limit);
          }
        }
        for (const auto& id : unclaimed) {
          // Delivered again later; a row the claim did take goes stale and is taken over.
          log->warn("lane {}: the claim of job {} did not answer in time", st->args.lane, id);
          hand_back(id, std::chrono::milliseconds(1000));
          count(st->counters, outcome::retried);
        }
        if (!ids.empty() && !st->heartbeat_writing->exchange(true)) {
          try {
            st->args.pool->submit(heartbeat_task(st->args.services, st->args.lane, std::move(ids), st->heartbeat_writing));
          } catch (const std::exception& e) {
            st->heartbeat_writing->store(false);
            log->warn("lane {}: heartbeat not recorded: {}", st->args.lane, e.what());
          }
        }
        if (ended_draining()) return;
        if (!unclaimed.empty()) want_more();
        self->delayed_send(self, std::chrono::milliseconds(cfg.heartbeat_ms), tick_atom::value);
      },
      [=](settled_atom, bool again) { count(st->counters, again ? outcome::retried : outcome::failed); },
      [=](stats_atom) -> lane_status {
        st->counters.in_flight = static_cast<int>(st->jobs.size());
        return st->counters;
      },
      // Graceful stop: no more fetching; running jobs get `grace` to finish, then are told
      // to stop (their messages are nak'ed and their rows marked retrying).
      [=](drain_atom, int grace_ms) {
        st->draining = true;
        self->send(st->fetcher, drain_atom::value);
        if (ended_draining()) return;
        self->delayed_send(self, std::chrono::milliseconds(grace_ms), drain_atom::value);
      },
      [=](drain_atom) {
        for (auto& [id, r] : st->jobs) r.control->ask(stop_reason::shutdown);
      },
  };
}

}  // namespace sf::actors
