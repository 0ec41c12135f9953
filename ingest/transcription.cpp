#include "ingest/transcription.hpp"

#include <algorithm>

namespace sf::ingest {
namespace {

void put_le(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

std::string to_wav(const std::int16_t* samples, std::size_t count, int rate) {
  const auto data_bytes = static_cast<std::uint32_t>(count * 2);
  std::string out;
  out.reserve(44 + data_bytes);
  out += "RIFF";
  put_le(out, 36 + data_bytes, 4);
  out += "WAVEfmt ";
  put_le(out, 16, 4);  // PCM format chunk size
  put_le(out, 1, 2);   // PCM
  put_le(out, 1, 2);   // mono
  put_le(out, static_cast<std::uint32_t>(rate), 4);
  put_le(out, static_cast<std::uint32_t>(rate) * 2, 4);  // bytes per second
  put_le(out, 2, 2);                                     // bytes per frame
  put_le(out, 16, 2);                                    // bits per sample
  out += "data";
  put_le(out, data_bytes, 4);
  for (std::size_t i = 0; i < count; ++i) put_le(out, static_cast<std::uint16_t>(samples[i]), 2);
  return out;
}

result<std::vector<cue>> transcribe_in_pieces(const std::vector<std::int16_t>& samples, const transcriber& transcribe,
                                              double piece_s) {
  const auto piece = static_cast<std::size_t>(piece_s * speech_sample_rate);
  std::vector<cue> out;
  for (std::size_t at = 0; at < samples.size(); at += piece) {
    const std::size_t n = std::min(piece, samples.size() - at);
    const double offset = static_cast<double>(at) / speech_sample_rate;
    BOOST_OUTCOME_TRY(cues, transcribe(to_wav(samples.data() + at, n), static_cast<double>(n) / speech_sample_rate));
    for (auto& c : cues) {
      c.start += offset;
      c.end += offset;
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace sf::ingest
