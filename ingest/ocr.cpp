#include "ingest/ocr.hpp"

#include <tesseract/baseapi.h>

#include <algorithm>
#include <cctype>
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

namespace {

// The whole image, read with Tesseract's own layout.
ocr_region whole_page(const gray_image& img) { return {0, 0, img.width, img.height, false, true}; }

}  // namespace

ocr_text ocr_engine::recognize(const gray_image& img) {
  std::vector<ocr_region> whole{whole_page(img)};
  return join_regions(whole, {recognize(img, whole.front())});
}

std::vector<ocr_region> ocr_engine::regions(const gray_image& img, int max_lines) {
  auto& api = p_->api;
  api.SetImage(img.data, img.width, img.height, 1, img.stride);
  api.SetSourceResolution(img.dpi);
  std::vector<ocr_region> out;
  // Half a millimetre of margin: room for accents that stick out of a line's box. Wider
  // margins take in bits of neighbouring blocks and read worse (corpus page 3: CER 0.105 at
  // 10 px against 0.097 at 6 px).
  int margin = std::max(2, img.dpi / 50);
  auto add = [&](int l, int t, int r, int b, bool continues) {
    l = std::max(0, l - margin), t = std::max(0, t - margin);
    r = std::min(img.width, r + margin), b = std::min(img.height, b + margin);
    if (r > l && b > t) out.push_back({l, t, r - l, b - t, continues});
  };
  if (std::unique_ptr<tesseract::PageIterator> it{api.AnalyseLayout()}) {
    it->Begin();
    do {
      if (!PTIsTextType(it->BlockType())) continue;
      tesseract::Orientation orientation;
      tesseract::WritingDirection direction;
      tesseract::TextlineOrder order;
      float deskew = 0;
      it->Orientation(&orientation, &direction, &order, &deskew);
      bool sideways = orientation != tesseract::ORIENTATION_PAGE_UP || direction == tesseract::WRITING_DIRECTION_TOP_TO_BOTTOM ||
                      order != tesseract::TEXTLINE_ORDER_TOP_TO_BOTTOM || it->BlockType() == tesseract::PT_VERTICAL_TEXT;
      if (sideways) {
        // Tesseract turns such blocks itself when it reads the whole page; a region cannot.
        out.assign(1, whole_page(img));
        break;
      }
      int lines = 0, l = 0, t = 0, r = 0, b = 0;
      bool continues = false;
      do {
        int ll, lt, lr, lb;
        if (!it->BoundingBox(tesseract::RIL_TEXTLINE, &ll, &lt, &lr, &lb)) continue;
        if (lines == 0) l = ll, t = lt, r = lr, b = lb;
        l = std::min(l, ll), t = std::min(t, lt), r = std::max(r, lr), b = std::max(b, lb);
        if (++lines == max_lines) {
          add(l, t, r, b, continues);
          lines = 0;
          continues = true;
        }
      } while (!it->IsAtFinalElement(tesseract::RIL_BLOCK, tesseract::RIL_TEXTLINE) && it->Next(tesseract::RIL_TEXTLINE));
      if (lines > 0) add(l, t, r, b, continues);
    } while (it->Next(tesseract::RIL_BLOCK));
  }
  api.Clear();
  return out;
}

region_text ocr_engine::recognize(const gray_image& img, const ocr_region& region) {
  auto& api = p_->api;
  // A view into the page: Tesseract copies only the region's rows.
  api.SetPageSegMode(region.whole_page ? tesseract::PSM_AUTO : tesseract::PSM_SINGLE_BLOCK);
  api.SetImage(img.data + static_cast<std::ptrdiff_t>(region.top) * img.stride + region.left, region.width,
               region.height, 1, img.stride);
  api.SetSourceResolution(img.dpi);
  std::unique_ptr<char[]> raw(api.GetUTF8Text());
  region_text out{raw ? raw.get() : "", 0};
  out.confidence = api.MeanTextConf();
  api.Clear();
  api.SetPageSegMode(tesseract::PSM_AUTO);
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

ocr_text join_regions(const std::vector<ocr_region>& regions, const std::vector<region_text>& texts) {
  std::string raw;
  double weighted = 0, weight = 0;
  for (std::size_t i = 0; i < regions.size() && i < texts.size(); ++i) {
    std::string_view t = texts[i].raw;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    if (t.empty()) continue;
    // Lines of one block continue its paragraph; a new block starts a new one.
    if (!raw.empty()) raw += regions[i].continues_block ? "\n" : "\n\n";
    raw += t;
    auto chars = static_cast<double>(std::count_if(t.begin(), t.end(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)); }));
    weighted += texts[i].confidence * chars;
    weight += chars;
  }
  ocr_text out;
  out.text = layout_ocr_text(raw);
  out.confidence = out.text.empty() || weight == 0 ? 0 : weighted / weight;
  return out;
}

}  // namespace sf::ingest
