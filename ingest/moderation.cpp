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

std::vector<std::string> moderation_pieces(const document_text& doc, std::size_t piece_bytes, std::size_t max_pieces) {
  std::vector<std::string> pieces;
  std::string current;
  auto flush = [&] {
    if (current.find_first_not_of(" \n\t\r") != std::string::npos) pieces.push_back(std::move(current));
    current.clear();
  };
  for (const auto& page : doc.pages) {
    std::string_view text = page.text;
    while (!text.empty()) {
      if (current.size() + text.size() + 1 <= piece_bytes) {
        current += text;
        current += '\n';
        break;
      }
      // Fill up to the limit, cut at the last white space (or the last whole character).
      std::size_t room = piece_bytes > current.size() ? piece_bytes - current.size() : 0;
      auto continuation = [&](std::size_t i) { return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80; };
      std::size_t cut = room;
      while (cut > 0 && continuation(cut)) --cut;
      if (cut == 0 && current.empty())  // a piece smaller than one character: take the character
        for (cut = 1; continuation(cut);) ++cut;
      if (auto space = text.substr(0, cut).find_last_of(" \n\t"); space != std::string_view::npos && space > cut / 2)
        cut = space + 1;
      current += text.substr(0, cut);
      text.remove_prefix(cut);
      flush();
    }
  }
  flush();
  if (max_pieces == 0 || pieces.size() <= max_pieces) return pieces;
  std::vector<std::string> spread;
  for (std::size_t i = 0; i < max_pieces; ++i) spread.push_back(std::move(pieces[i * pieces.size() / max_pieces]));
  return spread;
}

}  // namespace sf::ingest
