#pragma once
// Offline speech recognition with pocketsphinx (Debian's en-us model): 16 kHz mono 16-bit
// samples in, timed phrases out. Accuracy on real lectures is modest; a configured
// transcription service does better (see docs/running.md).
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "ingest/subtitles.hpp"

namespace sf::ingest {

struct speech_model {
  std::string dir = "/usr/share/pocketsphinx/model/en-us";
};

// Phrases: words grouped until a pause or about ten seconds.
result<std::vector<cue>> recognize_speech(const std::vector<std::int16_t>& samples, const speech_model& model);

}  // namespace sf::ingest
