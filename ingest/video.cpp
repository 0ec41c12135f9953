#include "ingest/video.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "common/subprocess.hpp"
#include "ingest/gray_pixels.hpp"
#include "ingest/page_judge.hpp"

namespace sf::ingest {
namespace fs = std::filesystem;
namespace {

using namespace std::chrono_literals;

const std::set<std::string> text_subtitle_codecs{"subrip", "srt", "mov_text", "ass", "ssa", "webvtt", "text"};

struct probe {
  bool has_audio = false;
  int text_subtitle_index = -1;  // among subtitle streams
  double duration = 0;
};

result<probe> probe_video(const std::string& path) {
  auto r = proc::run({"ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path}, 60s);
  if (r.exit_code != 0) return failure(errc::rejected, "unreadable: not a video ffmpeg can read");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object()) return failure(errc::rejected, "unreadable: not a video ffmpeg can read");
  probe p;
  int subtitle = 0;
  for (const auto& s : j.value("streams", nlohmann::json::array())) {
    auto type = s.value("codec_type", "");
    if (type == "audio") p.has_audio = true;
    if (type == "subtitle") {
      if (p.text_subtitle_index < 0 && text_subtitle_codecs.count(s.value("codec_name", ""))) p.text_subtitle_index = subtitle;
      ++subtitle;
    }
  }
  if (j.contains("format")) p.duration = std::atof(j["format"].value("duration", "0").c_str());
  return p;
}

std::vector<cue> subtitle_cues(const std::string& path, int index) {
  auto r = proc::run({"ffmpeg", "-v", "error", "-i", path, "-map", "0:s:" + std::to_string(index), "-f", "srt", "pipe:1"}, 120s);
  return r.exit_code == 0 ? parse_subtitles(r.out) : std::vector<cue>{};
}

// A configured transcription service first; pocketsphinx when there is none or it fails.
result<std::vector<cue>> speech_cues(const std::string& path, const video_options& opts, double duration) {
  // The container's duration is the uploader's word: decoding stops at the limit whatever it
  // says, and the audio kept is bounded by the limit's length.
  auto max_bytes = static_cast<std::size_t>(opts.max_duration_s) * speech_sample_rate * 2 + 65536;
  auto r = proc::run({"ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-t", std::to_string(opts.max_duration_s), "-ac",
                      "1", "-ar", std::to_string(speech_sample_rate), "-f", "s16le", "pipe:1"},
                     std::chrono::seconds(120 + static_cast<int>(std::min<double>(duration, opts.max_duration_s))), max_bytes);
  if (r.exit_code != 0) return std::vector<cue>{};
  std::vector<std::int16_t> samples(r.out.size() / 2);
  std::memcpy(samples.data(), r.out.data(), samples.size() * 2);
  if (opts.transcribe) {
    auto heard = transcribe_in_pieces(samples, opts.transcribe);
    if (heard) return heard;
  }
  return recognize_speech(samples, opts.speech);
}

// Slide text: frames every `interval` seconds, OCRed; a frame whose text repeats the previous
// one's adds nothing.
std::vector<cue> slide_cues(const std::string& path, const video_options& opts, const ocr_options& ocr,
                            const checkpoint& progress) {
  auto dir = fs::path(opts.work_dir) / ("frames-" + std::to_string(std::hash<std::string>{}(path)) + "-" +
                                        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  auto cleanup = std::unique_ptr<fs::path, void (*)(fs::path*)>(&dir, [](fs::path* d) {
    std::error_code e;
    fs::remove_all(*d, e);
  });
  auto r = proc::run({"ffmpeg", "-v", "error", "-i", path, "-vf",
                      "fps=1/" + std::to_string(opts.frame_interval_s) + ",scale='min(1920,iw)':-2", "-frames:v",
                      std::to_string(opts.max_frames), (dir / "f-%05d.png").string()},
                     10min);
  std::vector<fs::path> frames;
  for (const auto& e : fs::directory_iterator(dir, ec)) frames.push_back(e.path());
  std::sort(frames.begin(), frames.end());
  std::vector<cue> out;
  auto engine = ocr_engine::borrow(ocr.language);
  if (r.exit_code != 0 || !engine) return out;
  std::string previous;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (progress && !progress(static_cast<int>(i), static_cast<int>(frames.size()), "video frame")) break;
    auto gray = read_gray(frames[i].string());
    if (!gray) continue;
    auto text = engine.value()->recognize(pack(gray.get(), 96).image);
    if (measure_text(text.text).letters < 20 || text.confidence < 50 || text.text == previous) continue;
    previous = text.text;
    out.push_back({static_cast<double>(i) * opts.frame_interval_s, static_cast<double>(i + 1) * opts.frame_interval_s,
                   "On screen: " + text.text, true});
  }
  return out;
}

}  // namespace

result<document_text> extract_video(const std::string& path, const video_options& opts, const ocr_options& ocr,
                                    const checkpoint& progress) {
  BOOST_OUTCOME_TRY(p, probe_video(path));
  if (p.duration > opts.max_duration_s)
    return failure(errc::rejected, "too_large: the video runs " + std::to_string(static_cast<int>(p.duration)) +
                                       " s (the limit is " + std::to_string(opts.max_duration_s) + " s)");
  std::vector<cue> speech;
  std::string method = "subtitle";
  if (p.text_subtitle_index >= 0) speech = subtitle_cues(path, p.text_subtitle_index);
  if (speech.empty() && p.has_audio) {
    if (progress && !progress(0, 1, "speech")) return failure(errc::cancelled, "extraction cancelled");
    BOOST_OUTCOME_TRY(heard, speech_cues(path, opts, p.duration));
    speech = std::move(heard);
    method = "asr";
  }
  auto slides = slide_cues(path, opts, ocr, progress);
  if (progress && !progress(1, 1, "video")) return failure(errc::cancelled, "extraction cancelled");
  if (speech.empty() && slides.empty()) return failure(errc::rejected, "no_text: the video has no subtitles, speech or slide text");
  if (speech.empty()) method = "ocr";
  speech.insert(speech.end(), slides.begin(), slides.end());
  std::stable_sort(speech.begin(), speech.end(), [](const cue& a, const cue& b) { return a.start < b.start; });
  return segment_cues(speech, opts.segment_s, method);
}

}  // namespace sf::ingest
