#include "ingest/speech.hpp"

#include <sphinxbase/err.h>
#include <pocketsphinx.h>

#include <filesystem>
#include <memory>

namespace sf::ingest {
namespace {

constexpr double frame_s = 0.01;  // pocketsphinx reports times in 10 ms frames

struct decoder_deleter {
  void operator()(ps_decoder_t* d) const { ps_free(d); }
};
struct config_deleter {
  void operator()(cmd_ln_t* c) const { cmd_ln_free_r(c); }
};

}  // namespace

result<std::vector<cue>> recognize_speech(const std::vector<std::int16_t>& samples, const speech_model& model) {
  namespace fs = std::filesystem;
  auto hmm = fs::path(model.dir) / "en-us";
  auto lm = fs::path(model.dir) / "en-us.lm.bin";
  auto dict = fs::path(model.dir) / "cmudict-en-us.dict";
  if (!fs::exists(hmm) || !fs::exists(lm) || !fs::exists(dict))
    return failure(errc::internal, "no speech model in " + model.dir + " (install pocketsphinx-en-us)");
  err_set_logfp(nullptr);
  std::unique_ptr<cmd_ln_t, config_deleter> config(cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-lm",
                                                               lm.c_str(), "-dict", dict.c_str(), "-logfn", "/dev/null",
                                                               nullptr));
  if (!config) return failure(errc::internal, "cannot configure the speech recogniser");
  std::unique_ptr<ps_decoder_t, decoder_deleter> ps(ps_init(config.get()));
  if (!ps) return failure(errc::internal, "cannot start the speech recogniser");

  ps_start_utt(ps.get());
  ps_process_raw(ps.get(), samples.data(), samples.size(), FALSE, TRUE);
  ps_end_utt(ps.get());

  std::vector<cue> phrases;
  cue current{-1, -1, {}};
  for (ps_seg_t* seg = ps_seg_iter(ps.get()); seg; seg = ps_seg_next(seg)) {
    std::string word = ps_seg_word(seg);
    int sf = 0, ef = 0;
    ps_seg_frames(seg, &sf, &ef);
    bool filler = word.empty() || word[0] == '<' || word[0] == '[';  // <s>, </s>, <sil>, [NOISE]
    if (filler) {
      // A pause of half a second or more closes the phrase.
      if (!current.text.empty() && (ef - sf) * frame_s >= 0.5) {
        phrases.push_back(current);
        current = cue{-1, -1, {}};
      }
      continue;
    }
    if (auto paren = word.find('('); paren != std::string::npos) word.resize(paren);  // alternates: "read(2)"
    if (current.text.empty()) current.start = sf * frame_s;
    current.end = ef * frame_s;
    current.text += (current.text.empty() ? "" : " ") + word;
    if (current.end - current.start >= 10) {
      phrases.push_back(current);
      current = cue{-1, -1, {}};
    }
  }
  if (!current.text.empty()) phrases.push_back(current);
  return phrases;
}

}  // namespace sf::ingest
