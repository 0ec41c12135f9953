#pragma once
// What the application layer works with: settings and the node's adapters.
#include "config/settings.hpp"
#include "messaging/bus.hpp"
#include "storage/blob_store.hpp"
#include "storage/group_commit.hpp"
#include "storage/pool.hpp"

namespace sf::gen {
class provider_chain;
class embedder;
class transcriber;
class moderator;
}

namespace sf::pipeline {

class job_batches;

struct services {
  const config::settings& cfg;
  storage::pool& db;
  storage::blob_store& blobs;
  messaging::bus& bus;
  job_batches& batches;  // jobs without a course, made and ended in shared statements
  gen::provider_chain* providers = nullptr;  // null or empty: the offline provider writes everything
  gen::embedder* embeddings = nullptr;       // null: the offline embedding
  gen::transcriber* transcription = nullptr; // null: pocketsphinx for speech
  gen::moderator* moderation = nullptr;      // null: the built-in rules only
  storage::group_commit* commits = nullptr;  // null: every job transaction commits alone
};

}  // namespace sf::pipeline
