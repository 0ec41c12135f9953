#include "generate/openai_provider.hpp"

#include <curl/curl.h>

#include <mutex>
#include <nlohmann/json.hpp>

namespace sf::gen {
namespace {

std::once_flag curl_once;

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  // A reply larger than this is not an answer we want; stop reading.
  if (out->size() + size * n > (16u << 20)) return 0;
  out->append(data, size * n);
  return size * n;
}

using json_result = boost::outcome_v2::basic_result<nlohmann::json, provider_error, boost::outcome_v2::policy::terminate>;

// POSTs `body` to base_url + path and maps every way it can fail to a provider_failure.
json_result post_json(const openai_settings& s, const char* path, const nlohmann::json& body) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string payload = body.dump(), reply;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return provider_error{provider_failure::unavailable, s.name + ": cannot start an HTTP client"};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  std::string auth = "Authorization: Bearer " + s.api_key;
  if (!s.api_key.empty()) headers = curl_slist_append(headers, auth.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_guard(headers, curl_slist_free_all);
  std::string url = s.base_url + path;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) return provider_error{provider_failure::unavailable, s.name + ": " + curl_easy_strerror(rc)};
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status == 429) return provider_error{provider_failure::rate_limited, s.name + ": rate limited (HTTP 429)"};
  if (status == 402 || (status == 403 && reply.find("quota") != std::string::npos))
    return provider_error{provider_failure::quota, s.name + ": quota exhausted (HTTP " + std::to_string(status) + ")"};
  if (status >= 500) return provider_error{provider_failure::unavailable, s.name + ": HTTP " + std::to_string(status)};
  if (status != 200)
    return provider_error{provider_failure::rejected,
                          s.name + ": HTTP " + std::to_string(status) + ": " + redact(reply.substr(0, 300), s.api_key)};
  auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return provider_error{provider_failure::malformed, s.name + ": the reply is not JSON"};
  return j;
}

usage usage_of(const nlohmann::json& reply) {
  usage out;
  if (auto u = reply.find("usage"); u != reply.end() && u->is_object()) {
    out.prompt_tokens = u->value("prompt_tokens", 0LL);
    out.completion_tokens = u->value("completion_tokens", 0LL);
  }
  return out;
}

class openai_provider final : public provider {
 public:
  explicit openai_provider(openai_settings s) : s_(std::move(s)) {}

  std::string name() const override { return s_.name; }

  chat_result chat(const chat_request& req) override {
    nlohmann::json body{{"model", s_.model}, {"temperature", req.temperature}, {"max_tokens", req.max_tokens}};
    auto messages = nlohmann::json::array();
    for (const auto& m : req.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
    body["messages"] = messages;
    if (!req.json_schema.empty()) {
      auto schema = nlohmann::json::parse(req.json_schema, nullptr, false);
      if (s_.json_schema && !schema.is_discarded())
        body["response_format"] = {{"type", "json_schema"},
                                   {"json_schema", {{"name", req.schema_name}, {"strict", true}, {"schema", schema}}}};
      else
        body["response_format"] = {{"type", "json_object"}};
    }
    BOOST_OUTCOME_TRY(j, post_json(s_, "/chat/completions", body));
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty())
      return provider_error{provider_failure::malformed, s_.name + ": the reply is not a chat completion"};
    const auto& message = j["choices"][0].value("message", nlohmann::json::object());
    if (!message.contains("content") || !message["content"].is_string())
      return provider_error{provider_failure::malformed, s_.name + ": the reply has no text"};
    chat_reply out;
    out.text = message["content"].get<std::string>();
    out.provider = s_.name;
    out.model = j.value("model", s_.model);
    out.tokens = usage_of(j);
    return out;
  }

 private:
  openai_settings s_;
};

class openai_embedder final : public embedder {
 public:
  explicit openai_embedder(openai_settings s) : s_(std::move(s)) {}

  std::string name() const override { return s_.name; }
  std::string model_id() const override { return s_.name + "/" + s_.model; }

  embedding_result embed(const std::string& text) override {
    BOOST_OUTCOME_TRY(j, post_json(s_, "/embeddings", {{"model", s_.model}, {"input", text}, {"encoding_format", "float"}}));
    auto data = j.find("data");
    if (data == j.end() || !data->is_array() || data->empty() || !(*data)[0].is_object())
      return provider_error{provider_failure::malformed, s_.name + ": the reply is not an embedding list"};
    auto values = (*data)[0].find("embedding");
    if (values == (*data)[0].end() || !values->is_array() || values->empty() || values->size() > max_dims)
      return provider_error{provider_failure::malformed, s_.name + ": the reply holds no usable embedding"};
    embedding_reply out;
    out.vector.reserve(values->size());
    for (const auto& v : *values) {
      if (!v.is_number()) return provider_error{provider_failure::malformed, s_.name + ": the embedding holds a non-number"};
      out.vector.push_back(v.get<float>());
    }
    normalise(out.vector);
    out.tokens = usage_of(j);
    return out;
  }

 private:
  static constexpr std::size_t max_dims = 16384;  // the largest models have 4096
  openai_settings s_;
};

}  // namespace

std::unique_ptr<provider> make_openai_provider(openai_settings s) {
  return std::make_unique<openai_provider>(std::move(s));
}

std::unique_ptr<embedder> make_openai_embedder(openai_settings s) {
  return std::make_unique<openai_embedder>(std::move(s));
}

std::string redact(const std::string& text, const std::string& secret) {
  if (secret.size() < 4) return text;
  std::string out = text;
  for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at)) out.replace(at, secret.size(), "[redacted]");
  return out;
}

}  // namespace sf::gen
