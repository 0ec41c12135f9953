#pragma once
// Whether a page's own text layer can be trusted, or the page must be rendered and OCRed.
// Pure: measured signals in, a decision out.
#include <cstddef>
#include <string_view>

namespace sf::ingest {

struct page_signals {
  std::size_t visible_chars = 0;   // non-space code points in the text layer
  std::size_t letters = 0;         // of those, letters and digits
  std::size_t punctuation = 0;     // ASCII punctuation: dot leaders and code are not garbage
  std::size_t replacement = 0;     // U+FFFD, private-use and control code points: broken font maps
  double image_coverage = 0;       // share of the page area covered by images, 0..1
};

page_signals measure_text(std::string_view text);

enum class page_verdict { native, ocr, blank };

page_verdict judge_page(const page_signals& s);

}  // namespace sf::ingest
