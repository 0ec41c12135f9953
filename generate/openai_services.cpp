// Transcription (/v1/audio/transcriptions) and moderation (/v1/moderations) clients.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "generate/openai_http.hpp"

namespace sf::gen {
namespace {

class openai_transcriber final : public openai_client<transcriber> {
 public:
  using openai_client::openai_client;

  transcription_result transcribe(const std::string& wav, double duration_s) override {
    // verbose_json carries timed segments; a server that ignores it still sends "text".
    BOOST_OUTCOME_TRY(j, post_form(s_, "/audio/transcriptions",
                                   {{"file", wav, "audio.wav", "audio/wav"},
                                    {"model", s_.model, "", ""},
                                    {"response_format", "verbose_json", "", ""},
                                    {"timestamp_granularities[]", "segment", "", ""}}));
    std::vector<transcript_segment> out;
    if (auto segments = j.find("segments"); segments != j.end() && segments->is_array()) {
      for (const auto& seg : *segments) {
        if (!seg.is_object() || !seg.contains("text") || !seg["text"].is_string()) continue;
        const double start = seg.value("start", 0.0), end = seg.value("end", start);
        if (start < 0 || end < start || start > duration_s + 1) continue;
        out.push_back({start, std::min(end, duration_s), seg["text"].get<std::string>()});
      }
    } else if (auto text = j.find("text"); text != j.end() && text->is_string() && !text->get<std::string>().empty()) {
      out.push_back({0, duration_s, text->get<std::string>()});
    } else {
      return provider_error{provider_failure::malformed, s_.name + ": the reply is not a transcription"};
    }
    return out;
  }
};

class openai_moderator final : public openai_client<moderator> {
 public:
  using openai_client::openai_client;

  moderation_result check(const std::vector<std::string>& texts) override {
    nlohmann::json body{{"input", texts}};
    if (!s_.model.empty()) body["model"] = s_.model;
    BOOST_OUTCOME_TRY(j, post_json(s_, "/moderations", body));
    auto results = j.find("results");
    if (results == j.end() || !results->is_array() || results->size() != texts.size())
      return provider_error{provider_failure::malformed, s_.name + ": the reply is not a moderation result per input"};
    moderation_verdict out;
    for (const auto& r : *results) {
      if (!r.is_object() || !r.contains("flagged") || !r["flagged"].is_boolean())
        return provider_error{provider_failure::malformed, s_.name + ": a moderation result has no verdict"};
      if (!r["flagged"].get<bool>()) continue;
      out.flagged = true;
      if (auto c = r.find("categories"); c != r.end() && c->is_object())
        for (const auto& [category, on] : c->items())
          if (on.is_boolean() && on.get<bool>()) out.categories.push_back(category);
    }
    std::sort(out.categories.begin(), out.categories.end());
    out.categories.erase(std::unique(out.categories.begin(), out.categories.end()), out.categories.end());
    return out;
  }
};

}  // namespace

std::unique_ptr<transcriber> make_openai_transcriber(openai_settings s) {
  return std::make_unique<openai_transcriber>(std::move(s));
}

std::unique_ptr<moderator> make_openai_moderator(openai_settings s) {
  return std::make_unique<openai_moderator>(std::move(s));
}

}  // namespace sf::gen
