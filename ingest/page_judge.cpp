#include "ingest/page_judge.hpp"

#include "common/utf8.hpp"

namespace sf::ingest {
namespace {

bool is_letter_or_digit(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') ||
         (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x370 && c <= 0x52F) || (c >= 0x4E00 && c <= 0x9FFF);
}

}  // namespace

page_signals measure_text(std::string_view text) {
  page_signals s;
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = utf8::next(text, i);
    if (c == U' ' || c == U'\n' || c == U'\t' || c == U'\r' || c == 0xA0) continue;
    ++s.visible_chars;
    if (is_letter_or_digit(c)) ++s.letters;
    else if (c >= 0x20 && c < 0x80) ++s.punctuation;
    if (c == 0xFFFD || (c >= 0xE000 && c <= 0xF8FF) || c < 0x20) ++s.replacement;
  }
  return s;
}

page_verdict judge_page(const page_signals& s) {
  // A scan: (almost) no text layer over a page-sized picture.
  if (s.visible_chars < 20) return s.image_coverage > 0.3 ? page_verdict::ocr : page_verdict::blank;
  // Text too thin for the pictures it sits on: a scan with a stray caption or page number.
  if (s.visible_chars < 200 && s.image_coverage > 0.5) return page_verdict::ocr;
  // Broken font encodings: replacement characters, or mostly odd symbols (a table of contents
  // full of dot leaders is plain ASCII punctuation, and fine).
  if (s.replacement * 10 > s.visible_chars) return page_verdict::ocr;
  std::size_t odd = s.visible_chars - s.letters - s.punctuation;
  if (s.visible_chars >= 50 && odd * 10 > s.visible_chars * 3) return page_verdict::ocr;
  return page_verdict::native;
}

}  // namespace sf::ingest
