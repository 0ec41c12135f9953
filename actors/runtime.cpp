#include "actors/runtime.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <mutex>

#include "actors/course_actor.hpp"
#include "actors/lane_supervisor.hpp"

namespace sf::actors {
namespace {

caf::actor_system_config& configure(caf::actor_system_config& cfg, int threads) {
  // Scheduler threads only run short handlers; blocking work has threads of its own. One is
  // the default: two woke each other for every message (a fifth of the node's context
  // switches in bench/jobs), and one ran 2,377 against 2,093 jobs/s (medians of 4 alternating
  // rounds each).
  cfg.set("scheduler.max-threads", threads);
  // One shared queue that idle threads sleep on. Work stealing polls while idle (sleeps of
  // 50 us for 25 ms after each message), which cost a core's share on a small machine.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  return cfg;
}

// Every node with a scheduled lane offers a sweep each interval; the message id names the
// interval, so JetStream keeps one per interval however many nodes offer it.
caf::behavior sweep_ticker(caf::event_based_actor* self, pipeline::services* s) {
  auto interval = std::chrono::seconds(s->cfg.sweep_interval_s);
  self->delayed_send(self, interval, tick_atom::value);
  self->set_default_handler(caf::print_and_drop);
  return {
      [=](tick_atom) {
        auto bucket = "sweep-" + std::to_string(std::time(nullptr) / s->cfg.sweep_interval_s);
        (void)s->bus.publish_job("scheduled", "sweep", bucket, bucket);
        self->delayed_send(self, interval, tick_atom::value);
      },
  };
}

}  // namespace

struct runtime::impl {
  explicit impl(pipeline::services& s) : services(s), system(configure(config, s.cfg.actor_threads)) {}
  pipeline::services& services;
  caf::actor_system_config config;
  caf::actor_system system;
  // Destroyed before the actor system and on the thread that ends the runtime, once shutdown
  // found them idle: a pool's destructor joins its threads, whose scoped actors belong to the
  // system.
  std::vector<std::shared_ptr<worker_pool>> pools;
  caf::actor registry;
  caf::actor ticker;
  // Written by start and shutdown; read by cancel (a NATS thread) and lanes (request workers).
  std::mutex lanes_mu;
  std::map<std::string, caf::actor> lanes;

  std::map<std::string, caf::actor> lanes_now() {
    std::lock_guard lock(lanes_mu);
    return lanes;
  }
};

runtime::runtime(pipeline::services& s) : p_(std::make_unique<impl>(s)) {}

runtime::~runtime() {
  if (p_ && !p_->lanes_now().empty()) shutdown(std::chrono::milliseconds(0));
}

result<void> runtime::start() {
  auto& s = p_->services;
  BOOST_OUTCOME_TRYV(s.bus.ensure_jobs_stream());
  p_->registry = p_->system.spawn(course_registry, 60);
  for (const char* name : config::lane_names) {
    messaging::consumer_settings cs{name, std::chrono::seconds(s.cfg.ack_wait_s), 1000};
    BOOST_OUTCOME_TRYV(s.bus.ensure_consumer(cs));
    if (s.cfg.lane(name).concurrency <= 0) continue;
    BOOST_OUTCOME_TRY(consumer, s.bus.bind(cs));
    const auto& lane = s.cfg.lane(name);
    auto pool = std::make_shared<worker_pool>(p_->system, lane.concurrency, std::string("sf.") + name, lane.nice);
    p_->pools.push_back(pool);
    lane_args args{&s, p_->registry, name, std::shared_ptr<messaging::pull_consumer>(std::move(consumer)), pool};
    auto supervisor = p_->system.spawn(lane_supervisor, std::move(args));
    std::lock_guard lock(p_->lanes_mu);
    p_->lanes[name] = supervisor;
  }
  // Detached: publishing waits for JetStream's acknowledgement.
  auto started = p_->lanes_now();
  if (started.count("scheduled")) p_->ticker = p_->system.spawn<caf::detached>(sweep_ticker, &s);
  spdlog::info("job runtime started: {} lanes on node {}", started.size(), s.cfg.node_id);
  return success();
}

void runtime::cancel(const std::string& job_id) {
  std::lock_guard lock(p_->lanes_mu);
  for (auto& [name, lane] : p_->lanes) caf::anon_send(lane, cancel_atom::value, job_id);
}

std::vector<lane_status> runtime::lanes() {
  std::vector<lane_status> out;
  caf::scoped_actor self{p_->system};
  for (auto& [name, lane] : p_->lanes_now()) {
    lane_status st{name};
    self->request(lane, std::chrono::seconds(2), stats_atom::value)
        .receive([&](const lane_status& counted) { st = counted; }, [](caf::error&) {});
    out.push_back(st);
  }
  return out;
}

bool runtime::shutdown(std::chrono::milliseconds grace) {
  auto draining = p_->lanes_now();
  if (draining.empty()) return true;
  caf::scoped_actor self{p_->system};
  if (p_->ticker) self->send_exit(p_->ticker, caf::exit_reason::user_shutdown);
  for (auto& [name, lane] : draining) {
    self->monitor(lane);
    self->send(lane, drain_atom::value, static_cast<int>(grace.count()));
  }
  // Grace for the jobs, then a little for them to notice the stop at a checkpoint.
  auto deadline = std::chrono::steady_clock::now() + grace + std::chrono::seconds(5);
  std::size_t left = draining.size();
  while (left > 0) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    bool got = false;
    self->receive([&](caf::down_msg&) { got = true; },
                  caf::after(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)) >> [] {});
    if (!got) break;
    --left;
  }
  if (left > 0) spdlog::warn("shutdown: {} lanes still had running jobs; their messages will be redelivered", left);
  bool clean = left == 0;
  // A lane ends with its last job's actor; a thread may still run a job given up on past its
  // hard limit, and the pool's destructor would wait for it. What else is left (a heartbeat,
  // the end of a task that just reported) returns within moments.
  auto settled_by = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(2));
  for (auto& pool : p_->pools)
    if (clean && !pool->wait_idle(settled_by)) {
      spdlog::warn("shutdown: a job given up on past its time limit is still running");
      clean = false;
    }
  for (auto& [name, lane] : draining) self->send_exit(lane, caf::exit_reason::user_shutdown);
  if (p_->registry) self->send(p_->registry, drain_atom::value);
  std::lock_guard lock(p_->lanes_mu);
  p_->lanes.clear();
  return clean;
}

}  // namespace sf::actors
