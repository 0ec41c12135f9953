#include "generate/openai_provider.hpp"

#include <nlohmann/json.hpp>

#include "generate/openai_http.hpp"

namespace sf::gen {
namespace {

class openai_provider final : public openai_client<provider> {
 public:
  using openai_client::openai_client;

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
    try {
      return read_chat(j);
    } catch (const nlohmann::json::exception&) {  // a field of the wrong type: a bad reply, try the next provider
      return provider_error{provider_failure::malformed, s_.name + ": the reply's fields have the wrong types"};
    }
  }

 private:
  chat_result read_chat(const nlohmann::json& j) {
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
};

class openai_embedder final : public openai_client<embedder> {
 public:
  using openai_client::openai_client;
  std::string model_id() const override { return s_.name + "/" + s_.model; }

  embedding_result embed(const std::vector<std::string>& texts) override {
    BOOST_OUTCOME_TRY(j, post_json(s_, "/embeddings", {{"model", s_.model}, {"input", texts}, {"encoding_format", "float"}}));
    try {
      return read_embeddings(j, texts.size());
    } catch (const nlohmann::json::exception&) {
      return provider_error{provider_failure::malformed, s_.name + ": the reply's fields have the wrong types"};
    }
  }

 private:
  embedding_result read_embeddings(const nlohmann::json& j, std::size_t inputs) {
    auto data = j.find("data");
    if (data == j.end() || !data->is_array() || data->size() != inputs)
      return provider_error{provider_failure::malformed, s_.name + ": the reply is not one embedding per input"};
    embedding_reply out;
    out.vectors.resize(inputs);
    for (std::size_t i = 0; i < data->size(); ++i) {
      const auto& item = (*data)[i];
      // Each item says which input it embeds; servers need not keep the order.
      const auto index = item.is_object() ? item.value("index", i) : inputs;
      auto values = item.is_object() ? item.find("embedding") : item.end();
      if (index >= inputs || values == item.end() || !values->is_array() || values->empty() || values->size() > max_dims)
        return provider_error{provider_failure::malformed, s_.name + ": the reply holds no usable embedding"};
      auto& v = out.vectors[index];
      for (const auto& x : *values) {
        if (!x.is_number()) return provider_error{provider_failure::malformed, s_.name + ": the embedding holds a non-number"};
        v.push_back(x.get<float>());
      }
      normalise(v);
    }
    for (const auto& v : out.vectors)
      if (v.empty() || v.size() != out.vectors.front().size())
        return provider_error{provider_failure::malformed, s_.name + ": the embeddings differ in size or miss an input"};
    out.tokens = usage_of(j);
    return out;
  }

  static constexpr std::size_t max_dims = 16384;  // the largest models have 4096
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
