#pragma once
// SubRip and WebVTT cues, grouped into time segments that serve as a video's "pages".
#include <string>
#include <string_view>
#include <vector>

#include "ingest/document.hpp"

namespace sf::ingest {

struct cue {
  double start = 0, end = 0;  // seconds
  std::string text;
  bool paragraph = false;     // stands as a paragraph of its own (slide text), not running speech
};

bool looks_like_subtitles(std::string_view text);
std::vector<cue> parse_subtitles(std::string_view text);

// One page per `segment_s` seconds that has any text; `method` is "subtitle" or "asr".
document_text segment_cues(const std::vector<cue>& cues, double segment_s, const std::string& method);

}  // namespace sf::ingest
