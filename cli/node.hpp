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
  // Graceful: stop taking work, let running jobs finish within `grace`.
  void stop(std::chrono::milliseconds grace);

 private:
  node();
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace sf::cli
