#pragma once
// The analysed corpus every offline generator works from: pages cut into paragraphs and
// sentences (with code-point offsets for citations), tokens, and a quality weight per
// sentence. Running heads, page numbers and tables of contents are dropped here, once.
#include <cstddef>
#include <string_view>
#include <vector>

#include "generate/material.hpp"
#include "generate/stopwords.hpp"
#include "generate/text_analysis.hpp"

namespace sf::gen {

struct sentence {
  std::size_t page = 0;          // index into corpus::pages
  std::size_t paragraph = 0;     // index into document::paragraphs
  std::size_t in_paragraph = 0;  // 0 for the paragraph's first sentence
  text::span bytes;              // in the page text
  std::size_t cp_begin = 0;      // code points, for citations
  std::size_t cp_end = 0;
  std::vector<text::token> tokens;
  double quality = 0;   // 0..1: how fit the sentence is to be shown to a student as is
  double salience = 0;  // 0..1: how central it is to the document (set by ranking)
};

struct paragraph {
  std::size_t page = 0;
  text::span bytes;
  std::size_t first_sentence = 0;  // sentences [first_sentence, end_sentence)
  std::size_t end_sentence = 0;
  bool heading = false;  // short, unpunctuated: looks like a title
};

struct document {
  const corpus* source = nullptr;
  text::language lang = text::language::en;
  std::vector<paragraph> paragraphs;
  std::vector<sentence> sentences;
  // Units for document frequency: pages, or paragraphs when there are too few pages.
  std::size_t units = 1;
  std::size_t unit_of(const sentence& s) const { return units_by_page ? s.page : s.paragraph; }
  bool units_by_page = true;

  std::string_view page_text(std::size_t page) const { return source->pages[page].text; }
  std::string_view str(const sentence& s) const { return page_text(s.page).substr(s.bytes.begin, s.bytes.size()); }
  std::string_view str(const paragraph& p) const { return page_text(p.page).substr(p.bytes.begin, p.bytes.size()); }
  std::string_view str(std::size_t page, text::span b) const { return page_text(page).substr(b.begin, b.size()); }
};

// Splits and tokenises `input`; the document keeps a pointer to it, so `input` must outlive it.
document read_document(const corpus& input);

// How fit `s` is to be quoted to a student on its own: penalises fragments, code, tables,
// licence boilerplate and cross-references. 0 means never use it.
double sentence_quality(std::string_view s, const std::vector<text::token>& tokens, text::language lang);

}  // namespace sf::gen
