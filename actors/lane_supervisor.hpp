#pragma once
// One supervisor per lane: keeps at most `concurrency` jobs of its lane running on this node,
// pulls that many messages from the lane's durable consumer (through a fetcher thread),
// spawns and monitors a job actor per message, heartbeats in-flight messages, enforces time
// limits, and settles each message exactly once.
#include "actors/messages.hpp"
#include "pipeline/services.hpp"

namespace sf::actors {

struct lane_args {
  pipeline::services* services = nullptr;
  caf::actor registry;
  std::string lane;
  std::shared_ptr<messaging::pull_consumer> consumer;
};

caf::behavior lane_supervisor(caf::event_based_actor* self, lane_args args);

}  // namespace sf::actors
