#pragma once
// One supervisor per lane: keeps at most `concurrency` jobs of its lane running on this node,
// pulls that many messages from the lane's durable consumer (through a fetcher thread),
// spawns and monitors a job actor per message, heartbeats in-flight messages, enforces time
// limits, and settles each message exactly once.
//
// It never blocks: whatever waits on PostgreSQL (claims, heartbeats, settling a job whose
// actor died) runs on the lane's pool and reports back. So it is an ordinary scheduled actor,
// and a job actor's report reaches it on the scheduler thread that ran the job actor, without
// waking a thread of its own.
#include "actors/messages.hpp"
#include "actors/worker_pool.hpp"
#include "pipeline/services.hpp"

namespace sf::actors {

struct lane_args {
  pipeline::services* services = nullptr;
  caf::actor registry;
  std::string lane;
  std::shared_ptr<messaging::pull_consumer> consumer;
  // The threads the lane's jobs run on. The runtime owns it too and drops it last, off the
  // scheduler, once idle: its destructor joins threads, which may still run a job given up on.
  std::shared_ptr<worker_pool> pool;
};

caf::behavior lane_supervisor(caf::event_based_actor* self, lane_args args);

}  // namespace sf::actors
