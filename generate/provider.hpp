#pragma once
// Model providers: something that answers a chat request with text. The offline generator
// does not go through here (it needs no model); HTTP providers and their chain do.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "generate/embedding.hpp"

namespace sf::gen {

struct chat_message {
  std::string role;  // system | user
  std::string content;
};

struct chat_request {
  std::vector<chat_message> messages;  // a fresh conversation: nothing is shared between requests
  std::string schema_name;
  std::string json_schema;             // the answer must be JSON of this schema
  double temperature = 0.2;
  int max_tokens = 4000;
};

struct usage {
  long long prompt_tokens = 0;
  long long completion_tokens = 0;
};

struct chat_reply {
  std::string text;      // the model's answer (JSON for structured requests)
  std::string provider;  // which provider answered, for the material's label
  std::string model;
  usage tokens;
};

// How a provider failed decides what the chain and the job do next.
enum class provider_failure {
  rate_limited,  // 429: try the next provider (or key)
  unavailable,   // 5xx, refused, timed out: next provider; the job may retry later
  quota,         // exhausted credit: next provider
  rejected,      // 4xx other than 429: the request itself is wrong; no point in retrying
  malformed,     // the answer is not the JSON asked for: retried
};

struct provider_error {
  provider_failure kind = provider_failure::unavailable;
  std::string message;  // never contains a secret
};

class provider {
 public:
  virtual ~provider() = default;
  virtual std::string name() const = 0;
  virtual boost::outcome_v2::basic_result<chat_reply, provider_error, boost::outcome_v2::policy::terminate> chat(
      const chat_request& req) = 0;
};
using chat_result = boost::outcome_v2::basic_result<chat_reply, provider_error, boost::outcome_v2::policy::terminate>;

struct embedding_reply {
  std::vector<embedding> vectors;  // one per text, in order, normalised
  usage tokens;
};
using embedding_result =
    boost::outcome_v2::basic_result<embedding_reply, provider_error, boost::outcome_v2::policy::terminate>;

// Timed text of speech (/v1/audio/transcriptions).
struct transcript_segment {
  double start = 0, end = 0;  // seconds from the start of the audio sent
  std::string text;
};
using transcription_result =
    boost::outcome_v2::basic_result<std::vector<transcript_segment>, provider_error, boost::outcome_v2::policy::terminate>;

class transcriber {
 public:
  virtual ~transcriber() = default;
  virtual std::string name() const = 0;
  // `wav`: a RIFF/WAVE file of `duration_s` seconds.
  virtual transcription_result transcribe(const std::string& wav, double duration_s) = 0;
};

// A content classifier (/v1/moderations).
struct moderation_verdict {
  bool flagged = false;
  std::vector<std::string> categories;  // the categories flagged, sorted
};
using moderation_result =
    boost::outcome_v2::basic_result<moderation_verdict, provider_error, boost::outcome_v2::policy::terminate>;

class moderator {
 public:
  virtual ~moderator() = default;
  virtual std::string name() const = 0;
  // One verdict for all of `texts` together: flagged when any of them is.
  virtual moderation_result check(const std::vector<std::string>& texts) = 0;
};

// A provider's embedding model (/v1/embeddings).
class embedder {
 public:
  virtual ~embedder() = default;
  virtual std::string name() const = 0;
  // Names the vector space: vectors are only compared with vectors of the same model.
  virtual std::string model_id() const = 0;
  virtual embedding_result embed(const std::vector<std::string>& texts) = 0;
};

}  // namespace sf::gen
