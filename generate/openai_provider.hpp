#pragma once
// OpenAI-compatible chat completions, embeddings, transcription and moderation over libcurl: OpenAI, Mistral, DeepSeek, Gemini's
// compatible endpoint, Ollama, vLLM, llama.cpp's server.
#include <chrono>
#include <memory>
#include <string>

#include "generate/provider.hpp"

namespace sf::gen {

struct openai_settings {
  std::string name;       // shown as the material's provider
  std::string base_url;   // e.g. https://api.openai.com/v1
  std::string api_key;    // empty for local servers
  std::string model;
  std::chrono::milliseconds timeout{60000};
  bool json_schema = true;  // response_format json_schema; false: json_object (older servers)
};

std::unique_ptr<provider> make_openai_provider(openai_settings s);
// The same kind of server's other endpoints (json_schema is not used): /v1/embeddings,
// /v1/audio/transcriptions and /v1/moderations.
std::unique_ptr<embedder> make_openai_embedder(openai_settings s);
std::unique_ptr<transcriber> make_openai_transcriber(openai_settings s);
std::unique_ptr<moderator> make_openai_moderator(openai_settings s);

// Replaces anything that looks like a secret in `text` (for logs and error messages).
std::string redact(const std::string& text, const std::string& secret);

}  // namespace sf::gen
