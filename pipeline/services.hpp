#pragma once
// What the application layer works with: settings and the node's adapters.
#include "config/settings.hpp"
#include "messaging/bus.hpp"
#include "storage/blob_store.hpp"
#include "storage/pool.hpp"

namespace sf::pipeline {

struct services {
  const config::settings& cfg;
  storage::pool& db;
  storage::blob_store& blobs;
  messaging::bus& bus;
};

}  // namespace sf::pipeline
