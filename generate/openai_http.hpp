#pragma once
// The HTTP side of OpenAI-compatible services (libcurl): one POST, every failure mapped to a
// provider_failure, secrets kept out of messages. Shared by chat, embeddings, transcription
// and moderation clients.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "generate/openai_provider.hpp"
#include "generate/provider.hpp"

namespace sf::gen {

using json_result = boost::outcome_v2::basic_result<nlohmann::json, provider_error, boost::outcome_v2::policy::terminate>;

// POSTs `body` as JSON to base_url + path; the reply must be a JSON object.
json_result post_json(const openai_settings& s, const char* path, const nlohmann::json& body);

struct form_part {
  std::string name;
  std::string value;
  std::string filename;   // set for a file part
  std::string mime_type;  // of a file part
};
// POSTs multipart/form-data to base_url + path; the reply must be a JSON object.
json_result post_form(const openai_settings& s, const char* path, const std::vector<form_part>& parts);

usage usage_of(const nlohmann::json& reply);

// What every client of one such service holds: its settings, and its name from them.
template <class Interface>
class openai_client : public Interface {
 public:
  explicit openai_client(openai_settings s) : s_(std::move(s)) {}
  std::string name() const override { return s_.name; }

 protected:
  openai_settings s_;
};

}  // namespace sf::gen
