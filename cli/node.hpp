#pragma once
// A studyforge node assembled from its parts: database, message bus, blob store, job runtime
// and HTTP front end. `serve` runs one until SIGTERM; `process` runs one in-process.
#include <chrono>
#include <cstdint>
#include <memory>

#include "common/error.hpp"
#include "config/settings.hpp"

namespace sf::cli {

class node {
 public:
  static result<std::unique_ptr<node>> start(const config::settings& s);
  ~node();

  std::uint16_t port() const;
  // Graceful: stop taking work, let running jobs finish within `grace`. A job stuck in a
  // library call past that cannot be joined: the process then ends at once with
  // `exit_if_stuck` (its output flushed first).
  void stop(std::chrono::milliseconds grace, int exit_if_stuck = 0);

 private:
  node();
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace sf::cli
