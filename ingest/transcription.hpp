#pragma once
// Speech through a transcription service (an OpenAI-compatible /v1/audio/transcriptions,
// wired in by the pipeline): the audio goes out as WAV files of bounded length.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "ingest/subtitles.hpp"

namespace sf::ingest {

inline constexpr int speech_sample_rate = 16000;

// A WAV file of `seconds` in, timed text out (times from the start of that file).
using transcriber = std::function<result<std::vector<cue>>(const std::string& wav, double seconds)>;

// 16 kHz mono samples through `transcribe` in pieces of at most `piece_s` seconds (services
// cap their uploads at about 25 MB), cue times shifted to the whole recording's.
result<std::vector<cue>> transcribe_in_pieces(const std::vector<std::int16_t>& samples, const transcriber& transcribe,
                                              double piece_s = 600);

// 16-bit mono PCM at `rate` samples per second as a RIFF/WAVE file.
std::string to_wav(const std::int16_t* samples, std::size_t count, int rate = speech_sample_rate);

}  // namespace sf::ingest
