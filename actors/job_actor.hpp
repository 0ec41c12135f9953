#pragma once
// One job actor per running job, on its own thread (it blocks in MuPDF, Tesseract, libcurl
// and libpqxx). It reports to its lane supervisor exactly once, with what to do with the
// message: ack (done, or nothing to do), nak with a delay (try again), or term.
//
//   begin ──run──> running ──ok──> commit success ──> ack
//     │               ├─cancelled──> commit cancelled ──> ack
//     │               ├─time limit─> commit failed(time_limit) ──> ack
//     │               ├─transient, attempts left─> commit retrying ──> nak(backoff)
//     │               └─otherwise──> commit failed ──> term
//     ├─skip (ended, cancelled, unknown) ──> ack
//     ├─wait (alive on another node) ──> nak(stale period)
//     └─fail (poison) ──> commit failed ──> term
#include "actors/messages.hpp"
#include "pipeline/services.hpp"

namespace sf::actors {

struct job_args {
  pipeline::services* services = nullptr;
  caf::actor registry;
  caf::actor supervisor;
  std::string lane;
  std::string job_id;
  std::string kind;  // "sweep" is the scheduled lane's system task, not a job row
  control_ptr control;
  int stale_after_ms = 10000;
  std::vector<int> backoff_s;
};

void job_actor(caf::blocking_actor* self, job_args args);

}  // namespace sf::actors
