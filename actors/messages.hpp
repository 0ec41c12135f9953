#pragma once
// Vocabulary of the job runtime's actors. Actors never cross nodes (NATS does that), so
// messages carry in-process handles and are never serialized.
#include <caf/all.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "actors/runtime.hpp"
#include "messaging/bus.hpp"

namespace sf::actors {

using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
using batch_atom = caf::atom_constant<caf::atom("batch")>;
using job_done_atom = caf::atom_constant<caf::atom("jobdone")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using course_atom = caf::atom_constant<caf::atom("course")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using claimed_atom = caf::atom_constant<caf::atom("claimed")>;
using settled_atom = caf::atom_constant<caf::atom("settled")>;
using turn_atom = caf::atom_constant<caf::atom("turn")>;
using release_atom = caf::atom_constant<caf::atom("release")>;

// Why a running job must stop at its next checkpoint.
enum class stop_reason : int { none = 0, cancelled, time_limit, shutdown };

// Shared between a lane supervisor and one job actor: the supervisor asks, the job's
// checkpoints look. An atomic, because the job may be deep inside MuPDF when asked.
struct job_control {
  std::atomic<stop_reason> stop{stop_reason::none};
  // The first reason given stands: a cancelled job past its soft limit still ends cancelled,
  // and a job stopped for time is not handed back as if for a shutdown.
  void ask(stop_reason why) {
    auto none = stop_reason::none;
    stop.compare_exchange_strong(none, why);
  }
};
using control_ptr = std::shared_ptr<job_control>;

using delivery_ptr = std::shared_ptr<messaging::delivery>;
using delivery_batch = std::vector<delivery_ptr>;

// What the lane does with a job's message once the job actor is done with it.
enum class disposition : int { ack = 0, nak, term };

// How the delivery ended, for the lane's counters: an ack alone does not say (a job failed for
// time, cancelled, or already done elsewhere is acked too).
enum class outcome : int { succeeded = 0, failed, retried, cancelled, skipped };

struct verdict {
  disposition what = disposition::nak;
  int delay_ms = 0;
  outcome counted = outcome::retried;
};

}  // namespace sf::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sf::actors::control_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sf::actors::delivery_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sf::actors::disposition)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sf::actors::verdict)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sf::actors::lane_status)
