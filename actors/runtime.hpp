#pragma once
// The node's job runtime: the actor system, one lane supervisor per lane, the course
// registry. This header keeps CAF out of its includers.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "pipeline/services.hpp"

namespace sf::actors {

struct lane_status {
  std::string lane;
  int capacity = 0;
  int in_flight = 0;
  long long started = 0;
  long long succeeded = 0;
  long long failed = 0;
  long long retried = 0;    // handed back to be delivered again
  long long cancelled = 0;
  long long skipped = 0;    // delivered again after the job had ended: nothing to do
};

class runtime {
 public:
  explicit runtime(pipeline::services& s);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // Creates the stream and consumers and starts every lane with capacity on this node.
  result<void> start();
  // Asks a job running on this node to stop at its next checkpoint.
  void cancel(const std::string& job_id);
  std::vector<lane_status> lanes();
  // Stops fetching, gives running jobs `grace` to finish, then stops the rest. False when a
  // job would not stop: the caller must then end the process without waiting for it.
  bool shutdown(std::chrono::milliseconds grace);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace sf::actors
