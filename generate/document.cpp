#include "generate/document.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace sf::gen {
namespace {

using text::span;

// Short paragraphs are compared with digits masked, so "Page 12" and "Page 13" match.
std::string boilerplate_key(std::string_view p) {
  std::string key;
  bool space = false;
  for (char ch : text::lower(p)) {
    if (ch == ' ' || ch == '\t' || ch == '\n') { space = true; continue; }
    if (space && !key.empty()) key += ' ';
    space = false;
    key += (ch >= '0' && ch <= '9') ? '#' : ch;
  }
  return key;
}

bool roman_numeral(std::string_view p) {
  if (p.empty() || p.size() > 6) return false;
  for (char ch : p)
    if (std::string_view("ivxlcdmIVXLCDM").find(ch) == std::string_view::npos) return false;
  return true;
}

// Page numbers, dot leaders of a table of contents, lone symbols: never content.
bool noise_paragraph(std::string_view p) {
  int letters = 0;
  std::size_t i = 0;
  while (i < p.size()) letters += text::is_letter(text::next_cp(p, i));
  if (letters == 0 || roman_numeral(p)) return true;
  if (p.find(". . . .") != std::string_view::npos || p.find(".....") != std::string_view::npos) return true;
  if (p.find("\u2026\u2026") != std::string_view::npos) return true;
  return false;
}

bool ends_with_punctuation(std::string_view s) {
  if (s.empty()) return false;
  char32_t c = text::prev_cp(s, s.size());
  return std::u32string_view(U".,;:!?\u2026").find(c) != std::u32string_view::npos;
}

bool looks_like_heading(std::string_view p, std::size_t sentences, std::size_t words) {
  if (sentences != 1 || words == 0 || words > 12 || p.size() > 100) return false;
  std::size_t i = 0;
  char32_t first = text::next_cp(p, i);
  if (!text::is_upper(first) && !text::is_digit(first)) return false;
  return !ends_with_punctuation(p);
}

// "3.2 Words" at the very start: a section number (needs a dot, so list items do not count).
std::size_t section_number_tokens(const std::vector<text::token>& toks) {
  if (toks.empty() || !toks[0].numeric || toks[0].norm.find('.') == std::string::npos) return 0;
  return 1;
}

bool any_stopword(std::string_view norm) {
  return text::is_stopword(norm, text::language::en) || text::is_stopword(norm, text::language::de);
}

// A capitalised word that typically opens a sentence rather than continuing a title.
bool sentence_opener(const text::token& t) {
  if (!t.upper_initial || t.all_caps || t.norm == "i") return false;
  return any_stopword(t.norm) || text::is_generic(t.norm, text::language::en) ||
         text::is_generic(t.norm, text::language::de) || t.norm.ends_with("ing");
}

// Extraction sometimes glues a heading to its first sentence ("3.1 Duties As a maintainer,
// you ..." or "Key The layout of ..."). Returns where the prose starts, 0 when not glued.
std::size_t glued_heading_end(std::string_view t, span p) {
  constexpr std::size_t look = 300;
  if (p.size() < 60) return 0;
  std::size_t limit = std::min(p.end, p.begin + look);
  while (limit > p.begin && limit < t.size() && (static_cast<unsigned char>(t[limit]) & 0xC0) == 0x80) --limit;
  const auto toks = text::tokenize(t, {p.begin, limit});
  const std::size_t first = section_number_tokens(toks);
  const bool numbered = first > 0;
  if (toks.size() < first + 3 || !toks[first].upper_initial || any_stopword(toks[first].norm)) return 0;
  const std::size_t max_words = numbered ? 12 : 6;
  for (std::size_t i = first + 1; i < toks.size() && i <= first + max_words; ++i) {
    const std::string_view gap = t.substr(toks[i - 1].bytes.end, toks[i].bytes.begin - toks[i - 1].bytes.end);
    if (gap.find_first_of(numbered ? ".!?;" : ".!?;:") != std::string_view::npos) return 0;
    if (!numbered && i > first && any_stopword(toks[i - 1].norm)) return 0;
    if (sentence_opener(toks[i])) return i + 4 < toks.size() ? toks[i].bytes.begin : 0;
  }
  return 0;
}

}  // namespace

document read_document(const corpus& input) {
  document doc;
  doc.source = &input;

  std::vector<std::vector<span>> page_paragraphs(input.pages.size());
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> seen;  // key -> (pages, last page + 1)
  for (std::size_t pg = 0; pg < input.pages.size(); ++pg) {
    std::string_view t = input.pages[pg].text;
    page_paragraphs[pg] = text::split_paragraphs(t);
    for (const span& p : page_paragraphs[pg]) {
      if (p.size() > 120) continue;
      auto& [count, last] = seen[boilerplate_key(t.substr(p.begin, p.size()))];
      if (last != pg + 1) { ++count; last = pg + 1; }
    }
  }

  int english = 0, german = 0;
  for (std::size_t pg = 0; pg < input.pages.size(); ++pg) {
    std::string_view t = input.pages[pg].text;
    std::size_t cp_byte = 0, cp_count = 0;  // running code-point count of this page
    auto cp_at = [&](std::size_t byte) {
      for (; cp_byte < byte; ++cp_byte) cp_count += (static_cast<unsigned char>(t[cp_byte]) & 0xC0) != 0x80;
      return cp_count;
    };
    for (const span& whole : page_paragraphs[pg]) {
      std::string_view whole_text = t.substr(whole.begin, whole.size());
      // Broken bytes cannot be quoted in JSON; such paragraphs are skipped, not repaired,
      // because every quote must match the stored page text exactly.
      if (noise_paragraph(whole_text) || !text::valid_utf8(whole_text)) continue;
      // Running heads and footers: a short line found on three or more pages.
      if (whole.size() <= 120 && seen[boilerplate_key(whole_text)].first >= 3) continue;
      std::vector<span> pieces{whole};
      if (const std::size_t cut = glued_heading_end(t, whole); cut > 0) {
        pieces = {{whole.begin, cut}, {cut, whole.end}};
        while (pieces[0].end > pieces[0].begin && t[pieces[0].end - 1] == ' ') --pieces[0].end;
      }
      for (std::size_t piece = 0; piece < pieces.size(); ++piece) {
        const span p = pieces[piece];
        std::string_view ptext = t.substr(p.begin, p.size());
        paragraph para;
        para.page = pg;
        para.bytes = p;
        para.first_sentence = doc.sentences.size();
        std::size_t words = 0;
        for (const span& s : text::split_sentences(t, p)) {
          sentence sen;
          sen.page = pg;
          sen.paragraph = doc.paragraphs.size();
          sen.in_paragraph = doc.sentences.size() - para.first_sentence;
          sen.bytes = s;
          sen.cp_begin = cp_at(s.begin);
          sen.cp_end = cp_at(s.end);
          sen.tokens = text::tokenize(t, s);
          for (const auto& tok : sen.tokens) {
            english += text::is_english_marker(tok.norm);
            german += text::is_german_marker(tok.norm);
            words += !tok.numeric;
          }
          doc.sentences.push_back(std::move(sen));
        }
        para.end_sentence = doc.sentences.size();
        if (para.end_sentence == para.first_sentence) continue;
        // A glued heading piece is a heading whatever it looks like.
        para.heading = (pieces.size() == 2 && piece == 0) ||
                       looks_like_heading(ptext, para.end_sentence - para.first_sentence, words);
        doc.paragraphs.push_back(para);
      }
    }
  }
  doc.lang = german > english ? text::language::de : text::language::en;
  for (auto& s : doc.sentences)
    s.quality = doc.paragraphs[s.paragraph].heading ? 0.0 : sentence_quality(doc.str(s), s.tokens, doc.lang);

  doc.units_by_page = input.pages.size() >= 5;
  doc.units = doc.units_by_page ? input.pages.size() : std::max<std::size_t>(1, doc.paragraphs.size());
  return doc;
}

}  // namespace sf::gen
