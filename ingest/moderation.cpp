#include "ingest/moderation.hpp"

#include <algorithm>
#include <cctype>

#include "ingest/page_judge.hpp"

namespace sf::ingest {
namespace {

std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) & 0x80); }

// `term` as a whole word (or phrase) in `text`; both lower-cased.
bool contains_word(const std::string& text, const std::string& term) {
  for (auto at = text.find(term); at != std::string::npos; at = text.find(term, at + 1)) {
    bool left = at == 0 || !word_char(text[at - 1]);
    bool right = at + term.size() >= text.size() || !word_char(text[at + term.size()]);
    if (left && right) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> moderate(const document_text& doc, const moderation_rules& rules) {
  std::size_t chars = 0, ocr_chars = 0;
  for (const auto& p : doc.pages) {
    auto n = measure_text(p.text).letters;
    chars += n;
    if (p.method == "ocr") ocr_chars += n;
  }
  if (chars < rules.min_chars) return "no_text: the material has no readable text";
  if (doc.ocr_pages > 0 && ocr_chars * 2 > chars && doc.mean_ocr_confidence >= 0 &&
      doc.mean_ocr_confidence < rules.min_ocr_confidence)
    return "unreadable: the scan is too poor to read (OCR confidence " +
           std::to_string(static_cast<int>(doc.mean_ocr_confidence)) + " of 100)";
  if (!rules.blocked.empty()) {
    for (const auto& p : doc.pages) {
      auto text = lower_ascii(p.text);
      for (const auto& term : rules.blocked)
        if (!term.empty() && contains_word(text, lower_ascii(term)))
          return "blocked: page " + std::to_string(p.page) + " matches a blocked term";
    }
  }
  return std::nullopt;
}

}  // namespace sf::ingest
