#pragma once
// Turns positioned lines into readable page text: paragraphs kept, hyphenated line
// breaks joined, whitespace normalised. Pure, so it is tested without MuPDF.
#include <string>
#include <vector>

namespace sf::ingest {

struct layout_block {
  std::vector<std::u32string> lines;
  float font_size = 0;
};

std::string layout_text(const std::vector<layout_block>& blocks);

}  // namespace sf::ingest
