#include "ingest/ocr.hpp"

#include <tesseract/baseapi.h>

#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "common/utf8.hpp"
#include "ingest/text_layout.hpp"

namespace sf::ingest {

struct ocr_engine::impl {
  tesseract::TessBaseAPI api;
};

ocr_engine::ocr_engine() : p_(std::make_unique<impl>()) {}
ocr_engine::~ocr_engine() {
  if (p_) p_->api.End();
}

result<std::unique_ptr<ocr_engine>> ocr_engine::create(const std::string& language) {
  std::unique_ptr<ocr_engine> e(new ocr_engine());
  if (e->p_->api.Init(nullptr, language.c_str(), tesseract::OEM_LSTM_ONLY) != 0)
    return failure(errc::internal, "Tesseract has no data for language '" + language + "'");
  e->p_->api.SetPageSegMode(tesseract::PSM_AUTO);
  e->p_->api.SetVariable("debug_file", "/dev/null");  // no chatter on stderr
  return e;
}

namespace {

constexpr std::size_t idle_per_language = 4;

struct engine_shelf {
  std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<ocr_engine>>> idle;
};

// Never destroyed: engines must not be torn down after Tesseract's own statics at exit.
engine_shelf& shelf() {
  static auto* s = new engine_shelf;
  return *s;
}

}  // namespace

result<engine_lease> ocr_engine::borrow(const std::string& language) {
  {
    auto& s = shelf();
    std::lock_guard lock(s.mu);
    if (auto& idle = s.idle[language]; !idle.empty()) {
      engine_lease lease(idle.back().release(), engine_return{language});
      idle.pop_back();
      return lease;
    }
  }
  BOOST_OUTCOME_TRY(fresh, create(language));
  return engine_lease(fresh.release(), engine_return{language});
}

void engine_return::operator()(ocr_engine* e) const {
  std::unique_ptr<ocr_engine> owned(e);
  auto& s = shelf();
  std::lock_guard lock(s.mu);
  if (auto& idle = s.idle[language]; idle.size() < idle_per_language) idle.push_back(std::move(owned));
}

ocr_text ocr_engine::recognize(const gray_image& img) {
  auto& api = p_->api;
  api.SetImage(img.data, img.width, img.height, 1, img.stride);
  api.SetSourceResolution(img.dpi);
  std::unique_ptr<char[]> raw(api.GetUTF8Text());
  ocr_text out;
  out.text = raw ? layout_ocr_text(raw.get()) : std::string();
  out.confidence = out.text.empty() ? 0 : api.MeanTextConf();
  api.Clear();
  return out;
}

std::optional<int> ocr_engine::upright_rotation(const gray_image& img) {
  auto& api = p_->api;
  api.SetPageSegMode(tesseract::PSM_OSD_ONLY);
  api.SetImage(img.data, img.width, img.height, 1, img.stride);
  api.SetSourceResolution(img.dpi);
  int degrees = 0;
  float confidence = 0;
  const char* script = nullptr;
  float script_confidence = 0;
  bool ok = api.DetectOrientationScript(&degrees, &confidence, &script, &script_confidence);
  api.Clear();
  api.SetPageSegMode(tesseract::PSM_AUTO);
  // Below about 2 the guess is no better than chance on short or sparse text.
  if (!ok || confidence < 2.0f) return std::nullopt;
  return degrees;
}

std::string layout_ocr_text(const std::string& tesseract_text) {
  std::vector<layout_block> blocks(1);
  std::istringstream in(tesseract_text);
  for (std::string line; std::getline(in, line);) {
    bool blank = line.find_first_not_of(" \t\r\f") == std::string::npos;
    if (blank) {
      if (!blocks.back().lines.empty()) blocks.emplace_back();
      continue;
    }
    blocks.back().lines.push_back(utf8::decode(line));
  }
  return layout_text(blocks);
}

}  // namespace sf::ingest
